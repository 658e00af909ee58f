// Command opsload is the operations load benchmark: it seeds a database
// with forces, synthetic subjects, an operation and its packages, starts
// `safeguard serve` on it, holds live-page event streams open, and has
// every force record actions through the API at a fixed combined rate.
// It then checks that no request failed, that every action is stored
// exactly once (retries with the same Idempotency-Key included) and that
// every stream received every action once, and prints latency
// percentiles.
//
//	opsload -safeguard ./safeguard -db sqlite:/tmp/x.db -key /tmp/key
//
// Everything it writes is synthetic: fictional subjects, no personal data
// of anyone.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"safeguard"
	"safeguard/keyring"
	"safeguard/store"
)

func main() {
	var (
		bin      = flag.String("safeguard", "./safeguard", "the safeguard binary to serve with")
		dbURL    = flag.String("db", "", "database URL (fresh: it is migrated and seeded)")
		keyFile  = flag.String("key", "", "data key file (created when missing)")
		forces   = flag.Int("forces", 45, "forces recording actions")
		rate     = flag.Int("rate", 200, "combined requests a second")
		duration = flag.Duration("duration", 60*time.Second, "how long to send")
		streams  = flag.Int("streams", 20, "live-page event streams held open")
		retries  = flag.Float64("retries", 0.05, "share of requests sent twice with the same Idempotency-Key")
		label    = flag.String("label", "", "label for the result line")
	)
	flag.Parse()
	if *dbURL == "" || *keyFile == "" {
		fmt.Fprintln(os.Stderr, "opsload: -db and -key are required")
		os.Exit(2)
	}
	if err := run(*bin, *dbURL, *keyFile, *label, *forces, *rate, *streams, *duration, *retries); err != nil {
		fmt.Fprintln(os.Stderr, "opsload:", err)
		os.Exit(1)
	}
}

// seeded is what the load needs from the seeding.
type seeded struct {
	coordToken string
	forceToken map[string]string  // force code -> investigator token
	packages   map[string][]int64 // force code -> package ids
}

func seed(ctx context.Context, dbURL, keyFile string, nForces int) (*seeded, error) {
	kr, err := keyring.LoadOrCreateFile(keyFile)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, dbURL, store.Options{Sealer: kr})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	sys := safeguard.NewContextWithActor(ctx, safeguard.SystemActor("opsload"))
	ops := store.NewOperationService(db)
	op := &safeguard.Operation{Code: "OP-LOAD", Name: "Load benchmark (synthetic)"}
	if err := ops.CreateOperation(sys, op); err != nil {
		return nil, err
	}
	s := &seeded{forceToken: map[string]string{}, packages: map[string][]int64{}}
	auth := store.NewAuthService(db)
	if s.coordToken, err = auth.CreateToken(sys, &safeguard.APIToken{Name: "opsload-coordinator", Role: safeguard.RoleCoordinator}); err != nil {
		return nil, err
	}
	for i := range nForces {
		code := fmt.Sprintf("L%02d", i)
		f := &safeguard.Force{Code: code, Name: "Load force " + code + " (synthetic)", Areas: []string{fmt.Sprintf("ZZ%d", i)}, WeeklyCapacity: 10, Synthetic: true}
		if err := store.NewForceService(db).CreateForce(sys, f); err != nil {
			return nil, err
		}
		if s.forceToken[code], err = auth.CreateToken(sys, &safeguard.APIToken{Name: "opsload-" + strings.ToLower(code), Role: safeguard.RoleInvestigator, ForceCode: code}); err != nil {
			return nil, err
		}
		for j := range 4 {
			subj := &safeguard.Subject{Name: fmt.Sprintf("Load Person %s-%d", code, j), Address: fmt.Sprintf("%d Example Road, ZZ%d %dAA", j+1, i, j),
				ForceCode: code, AttributionStatus: safeguard.AttrCorroborated}
			if err := store.NewSubjectService(db).CreateSubject(sys, subj); err != nil {
				return nil, err
			}
			p := &safeguard.Package{OperationID: op.ID, SubjectID: subj.ID}
			if err := ops.SendPackage(sys, p); err != nil {
				return nil, err
			}
			s.packages[code] = append(s.packages[code], p.ID)
		}
	}
	return s, nil
}

// serve starts safeguard serve on a free port and waits until it answers.
func serve(ctx context.Context, bin, dbURL, keyFile string) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, bin, "serve", "--db", dbURL, "--addr", addr, "--key-file", keyFile)
	logf, err := os.CreateTemp("", "opsload-serve-*.log")
	if err != nil {
		return "", nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
		}
		logf.Close()
		os.Remove(logf.Name())
	}
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base, stop, nil
			}
		}
	}
	stop()
	return "", nil, fmt.Errorf("safeguard serve did not answer on %s", addr)
}

// stream is one live-page event stream and the action ids it received.
type stream struct {
	mu   sync.Mutex
	got  map[int64]int
	when map[int64]time.Time
	err  error
}

func openStream(ctx context.Context, base, token string) (*stream, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/operations/OP-LOAD/events?after=0", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		return nil, fmt.Errorf("event stream: HTTP %d", resp.StatusCode)
	}
	st := &stream{got: map[int64]int{}, when: map[int64]time.Time{}}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev safeguard.ActionEvent
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				st.mu.Lock()
				st.err = err
				st.mu.Unlock()
				return
			}
			st.mu.Lock()
			st.got[ev.ID]++
			if _, ok := st.when[ev.ID]; !ok {
				st.when[ev.ID] = time.Now()
			}
			st.mu.Unlock()
		}
	}()
	return st, nil
}

// result is one request's outcome.
type result struct {
	key     string
	id      int64
	latency time.Duration
	done    time.Time
	err     string
}

var kinds = []struct {
	kind  string
	count int
}{{safeguard.ActSearch, 0}, {safeguard.ActArrest, 0}, {safeguard.ActDevicesSeized, 3}, {safeguard.ActWarrantExecuted, 0},
	{safeguard.ActVoluntaryInterview, 0}, {safeguard.ActChildrenSafeguarded, 1}}

func run(bin, dbURL, keyFile, label string, nForces, rate, nStreams int, duration time.Duration, retryShare float64) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t0 := time.Now()
	s, err := seed(ctx, dbURL, keyFile, nForces)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(os.Stderr, "seeded %d forces, %d packages in %v\n", nForces, nForces*4, time.Since(t0).Round(time.Millisecond))
	base, stop, err := serve(ctx, bin, dbURL, keyFile)
	if err != nil {
		return err
	}
	defer stop()
	var streams []*stream
	for range nStreams {
		st, err := openStream(ctx, base, s.coordToken)
		if err != nil {
			return err
		}
		streams = append(streams, st)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 0}}
	codes := make([]string, 0, nForces)
	for c := range s.forceToken {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	send := func(i int, key string) result {
		code := codes[i%len(codes)]
		pkgs := s.packages[code]
		k := kinds[(i/len(codes))%len(kinds)]
		b, _ := json.Marshal(map[string]any{"package_id": pkgs[i%len(pkgs)], "kind": k.kind, "count": k.count,
			"at": time.Now().UTC().Format(time.RFC3339Nano), "officer": "Load officer " + code, "note": "load (synthetic)"})
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/operations/OP-LOAD/actions", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+s.forceToken[code])
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		start := time.Now()
		resp, err := client.Do(req)
		r := result{key: key, latency: time.Since(start), done: time.Now()}
		if err != nil {
			r.err = err.Error()
			return r
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 201 {
			r.err = fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, body)
			return r
		}
		var a safeguard.Action
		if err := json.Unmarshal(body, &a); err != nil {
			r.err = err.Error()
		}
		r.id = a.ID
		return r
	}

	total := int(duration.Seconds() * float64(rate))
	results := make([]result, 0, total*2)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var inflight atomic.Int64
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	fmt.Fprintf(os.Stderr, "sending %d requests at %d/s from %d forces, %d streams open\n", total, rate, nForces, nStreams)
	for i := range total {
		// Open loop: request i leaves at start + i*interval, whatever
		// the answers before it did.
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		key := fmt.Sprintf("load-%d", i)
		retry := float64(i%1000)/1000 < retryShare
		wg.Add(1)
		inflight.Add(1)
		go func() {
			defer wg.Done()
			defer inflight.Add(-1)
			r := send(i, key)
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
			if retry {
				r2 := send(i, key) // the client did not trust the first answer
				r2.key = key
				mu.Lock()
				results = append(results, r2)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sent := time.Since(start)

	// Checks: no failures; every key stored once, retries answered with
	// the first action.
	var fails []string
	ids := map[string]int64{}
	var lat []time.Duration
	for _, r := range results {
		lat = append(lat, r.latency)
		if r.err != "" {
			fails = append(fails, r.err)
			continue
		}
		if prev, ok := ids[r.key]; ok && prev != r.id {
			fails = append(fails, fmt.Sprintf("key %s recorded twice: %d and %d", r.key, prev, r.id))
		}
		ids[r.key] = r.id
	}
	var rep safeguard.OperationReport
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/operations/OP-LOAD/report", nil)
	req.Header.Set("Authorization", "Bearer "+s.coordToken)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	err = json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	stored := map[string]int{}
	for _, e := range rep.Timeline {
		stored[e.IdempotencyKey]++
	}
	dupes, missing := 0, 0
	for k, n := range stored {
		if n > 1 {
			dupes++
			fails = append(fails, fmt.Sprintf("key %s stored %d times", k, n))
		}
	}
	for k := range ids {
		if stored[k] != 1 {
			missing++
		}
	}
	// Every stream gets every action once, within a few seconds.
	want := map[int64]time.Time{}
	for _, r := range results {
		if r.err == "" {
			if t, ok := want[r.id]; !ok || r.done.Before(t) {
				want[r.id] = r.done
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	var streamFails int
	var eventLat []time.Duration
	for _, st := range streams {
		for {
			st.mu.Lock()
			n := 0
			for id := range want {
				if st.got[id] > 0 {
					n++
				}
			}
			st.mu.Unlock()
			if n == len(want) || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		st.mu.Lock()
		bad := st.err != nil
		for id, done := range want {
			if st.got[id] != 1 {
				bad = true
			} else {
				eventLat = append(eventLat, max(0, st.when[id].Sub(done)))
			}
		}
		if len(st.got) != len(want) {
			bad = true
		}
		st.mu.Unlock()
		if bad {
			streamFails++
		}
	}

	fmt.Printf("%-12s requests %6d (%d retries) in %5.1fs = %6.1f/s | failed %d | stored %d, keys %d, duplicates %d, missing %d | streams %d, incomplete %d | latency p50 %v p99 %v max %v | event delay p50 %v p99 %v max %v\n",
		label, len(results), len(results)-total, sent.Seconds(), float64(len(results))/sent.Seconds(), len(fails)-dupes, len(rep.Timeline), len(ids), dupes, missing,
		len(streams), streamFails, pct(lat, 50), pct(lat, 99), pct(lat, 100), pct(eventLat, 50), pct(eventLat, 99), pct(eventLat, 100))
	if len(fails) > 0 || missing > 0 || streamFails > 0 || len(rep.Timeline) != len(ids) {
		for i, f := range fails {
			if i == 10 {
				break
			}
			fmt.Fprintln(os.Stderr, "  ", f)
		}
		return fmt.Errorf("%s: the run did not meet its checks", label)
	}
	return nil
}

// pct returns the p-th percentile (100: the maximum), rounded.
func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	i := min(len(d)-1, len(d)*p/100)
	return d[i].Round(100 * time.Microsecond)
}
