package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"

	"safeguard"
	"safeguard/intake"
	"safeguard/store"
)

func init() {
	register(command{name: "ingest", summary: "store referrals from CyberTipline XML, JSON lines and CSV files", run: runIngest})
}

func runIngest(ctx context.Context, env *Env, args []string) error {
	cfg := DefaultConfig()
	cfg.applyEnv(env.Getenv)
	fs := newFlagSet(env.Stderr, "ingest", "--db URL FILE…",
		"Stores the referrals in each FILE: a CyberTipline <report> or <fileDetails> XML document\n"+
			"(a report's NCMEC id is taken from a file named after it, e.g. 123456789.xml), or JSON\n"+
			"lines with one referral object a line (the shape POST /api/v1/referrals takes), or a CSV\n"+
			"bulk file whose header names source and source_ref (docs/intake.md has both formats).\n"+
			"Referrals are committed in batches (each transaction kept under 5 s, so a server writing\n"+
			"beside the run waits less than its busy timeout), counted only once committed, and\n"+
			"idempotent on (source, source_ref), so an interrupted run can be repeated. Each batch is\n"+
			"linked in its transaction (through shared strong identifiers), and a rerun also links what\n"+
			"an interrupted run stored. A fileDetails whose report an earlier run stored is attached\n"+
			"to it. When ISP records have been imported (safeguard attribution import), every subject\n"+
			"the run linked referrals to is resolved against them at the run's end. The run and its\n"+
			"rejections are kept for the intake page. Prints a JSON summary:\n"+
			`{"accepted":N,"duplicates":N,"rejected":[{"file","where","error"}]}`)
	cfg.dbFlags(fs)
	if err := parseFlags(fs, interspersed(fs, args)); err != nil {
		return err
	} else if fs.NArg() == 0 {
		return fmt.Errorf("ingest needs at least one FILE")
	}
	db, err := openDB(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	if path := env.Getenv("SAFEGUARD_CPUPROFILE"); path != "" {
		// Undocumented: a CPU profile of the run, for the ingest benchmark.
		stop, err := startCPUProfile(path)
		if err != nil {
			return err
		}
		defer stop()
	}
	ctx = safeguard.NewContextWithActor(ctx, safeguard.Actor{Kind: safeguard.ActorSystem, Name: "ingest", Role: safeguard.RoleAnalyst})
	linker := store.NewLinkService(db)
	linker.Attribute = store.NewAttributionService(db).ForIngest()
	in := &intake.Ingester{Referrals: store.NewReferralService(db), Linker: linker, Runs: store.NewIngestRunService(db)}
	sum, err := in.Files(ctx, fs.Args())
	if sum != nil {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.Encode(sum)
	}
	return err
}

// startCPUProfile writes a CPU profile to path until the returned function
// is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
