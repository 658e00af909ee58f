package pdq

import (
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Bounds from the issue: for reference quality >= 50, each hash within
// maxBits of the C++ tool's, and the mean distance at most maxMean.
const (
	parityMinQuality = 50
	parityMaxBits    = 10
	parityMaxMean    = 4.0
)

// TestFilesNearReference decodes every reference image with our own
// decoders and compares plain and dihedral hashes with the C++ tool's.
func TestFilesNearReference(t *testing.T) {
	dir := mustSharedDir(t)
	plain := mustReadExpected(t, "cpp-pdq-photo-hasher.csv")
	dih := mustReadExpected(t, "cpp-pdq-photo-hasher-dihedral.csv")
	wantDih := map[string]expectedRow{}
	for _, row := range dih {
		if len(row.hashes) != 8 {
			t.Fatalf("dihedral %s: %d hashes", row.path, len(row.hashes))
		}
		wantDih[row.path] = row
	}

	// Under the race detector (ten times slower) or -short, decoding big
	// photos takes most of the time: hash the small images and one big file
	// per decoder path, and leave the rest to the normal run, which checks
	// every file.
	light := testing.Short() || raceEnabled
	representative := map[string]bool{
		"bridge-mods/aaa-orig.jpg":   true,
		"misc-images/modes/CMYK.jpg": true,
		"misc-images/modes/L.png":    true,
		"misc-images/modes/P.png":    true,
		"misc-images/modes/F.webp":   true,
		"misc-images/modes/PA.webp":  true,
	}
	results := make([]Result, len(plain))
	errs := make([]error, len(plain))
	skipped := make([]bool, len(plain))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, row := range plain {
		path := filepath.Join(dir, "data", row.path)
		if light && !representative[row.path] && mustPixels(t, path) > 1_000_000 {
			skipped[i] = true
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], errs[i] = HashFile(path, Options{}, true)
		}()
	}
	wg.Wait()

	var table strings.Builder
	fmt.Fprintf(&table, "\n%-48s %4s %4s %5s %s\n", "file", "refQ", "q", "plain", "dihedral (orig rot90 rot180 rot270 flipx flipy flip+1 flip-1)")
	var sumPlain, sumDih, nPlain, nDih, maxPlain, maxDih int
	for i, row := range plain {
		if skipped[i] {
			fmt.Fprintf(&table, "%-48s (big: checked only without -race and -short)\n", row.path)
			continue
		}
		if errs[i] != nil {
			t.Errorf("%s: %v", row.path, errs[i])
			continue
		}
		res := results[i]
		d := Distance(res.Hash, row.hashes[0])
		var dd []string
		wd, ok := wantDih[row.path]
		if !ok {
			t.Errorf("%s: no dihedral reference", row.path)
		}
		counted := row.quality >= parityMinQuality
		for k := range 8 {
			dk := Distance(res.Dihedral[k], wd.hashes[k])
			dd = append(dd, fmt.Sprint(dk))
			if counted {
				sumDih += dk
				nDih++
				maxDih = max(maxDih, dk)
				if dk > parityMaxBits {
					t.Errorf("%s dihedral %d: distance %d > %d", row.path, k, dk, parityMaxBits)
				}
			}
		}
		mark := ""
		if counted {
			sumPlain += d
			nPlain++
			maxPlain = max(maxPlain, d)
			if d > parityMaxBits {
				t.Errorf("%s: distance %d > %d", row.path, d, parityMaxBits)
			}
			if absInt(res.Quality-row.quality) > 10 {
				t.Errorf("%s: quality %d, reference %d", row.path, res.Quality, row.quality)
			}
		} else {
			mark = " (quality < 50: not counted)"
		}
		fmt.Fprintf(&table, "%-48s %4d %4d %5d %s%s\n", row.path, row.quality, res.Quality, d, strings.Join(dd, " "), mark)
	}
	if nPlain == 0 || nDih == 0 {
		t.Fatal("no images counted")
	}
	meanPlain, meanDih := float64(sumPlain)/float64(nPlain), float64(sumDih)/float64(nDih)
	fmt.Fprintf(&table, "plain: %d images, mean %.2f, max %d; dihedral: %d hashes, mean %.2f, max %d\n",
		nPlain, meanPlain, maxPlain, nDih, meanDih, maxDih)
	t.Log(table.String())
	if meanPlain > parityMaxMean {
		t.Errorf("mean plain distance %.2f > %.1f", meanPlain, parityMaxMean)
	}
	if meanDih > parityMaxMean {
		t.Errorf("mean dihedral distance %.2f > %.1f", meanDih, parityMaxMean)
	}
}

// mustPixels returns width×height from the file's header.
func mustPixels(tb testing.TB, path string) int {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return cfg.Width * cfg.Height
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
