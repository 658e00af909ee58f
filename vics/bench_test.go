package vics_test

import (
	"bytes"
	"fmt"
	"testing"

	"safeguard/vics"
)

func sample(n int, asCase bool) []byte {
	var b bytes.Buffer
	b.WriteString(`{"@odata.context":"x","value":[`)
	if asCase {
		b.WriteString(`{"CaseID":"c","Media":[`)
	}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"MediaID":%d,"Category":%d,"MD5":"%032x","SHA1":"%040x","MediaSize":%d,"IsPrecategorized":true,"AlternativeHashes":[{"HashName":"PDQ","HashValue":"%064x"}]}`,
			i, i%5, i, i, i, i)
	}
	if asCase {
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// BenchmarkRead reports entries a second for a hash set and a case file.
func BenchmarkRead(b *testing.B) {
	for _, asCase := range []bool{false, true} {
		in := sample(10_000, asCase)
		b.Run(fmt.Sprintf("case=%v", asCase), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				n := 0
				for _, err := range vics.Read(bytes.NewReader(in), vics.Options{}) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != 10_000 {
					b.Fatal(n)
				}
			}
			b.ReportMetric(float64(b.N*10_000)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
