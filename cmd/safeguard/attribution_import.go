package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"safeguard"
	"safeguard/store"
)

func init() {
	register(command{name: "attribution", summary: "ISP records for IP attribution: attribution import", run: runAttribution})
}

const attributionUsage = `usage: safeguard attribution import --db URL [--kind isp|radius|proxy] FILE`

// attributionKinds maps the --kind names to the stored import kinds.
var attributionKinds = map[string]string{
	"isp": safeguard.ImportISPCSV, "radius": safeguard.ImportRADIUS, "proxy": safeguard.ImportProxyList,
}

func runAttribution(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", attributionUsage)
	}
	switch args[0] {
	case "import":
		return runAttributionImport(ctx, env, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(env.Stdout, attributionUsage)
		return errHelp
	}
	return fmt.Errorf("unknown attribution command %q\n%s", args[0], attributionUsage)
}

func runAttributionImport(ctx context.Context, env *Env, args []string) error {
	cfg := DefaultConfig()
	cfg.applyEnv(env.Getenv)
	fs := newFlagSet(env.Stderr, "attribution import", "--db URL [--kind isp|radius|proxy] FILE",
		"Imports an ISP response CSV (ip,port_start,port_end,start,end,subscriber_id,name,\n"+
			"install_address,billing_address), a RADIUS-accounting session log or a list of known\n"+
			"VPN, proxy and Tor exits, as the attribution import page does: sealed, all or nothing\n"+
			"(a bad row stores nothing and the error names the line), audited. The subjects whose\n"+
			"IP events fall in the imported span are then re-resolved. Prints the import as JSON:\n"+
			`{"id","kind","file_name","sha256","rows","from","to","subjects_resolved",…}`)
	cfg.dbFlags(fs)
	kind := fs.String("kind", "isp", "what FILE is: isp (ISP response CSV), radius (RADIUS accounting log) or proxy (proxy list)")
	if err := parseFlags(fs, interspersed(fs, args)); err != nil {
		return err
	} else if fs.NArg() != 1 {
		return fmt.Errorf("attribution import needs one FILE")
	}
	stored, ok := attributionKinds[*kind]
	if !ok {
		return fmt.Errorf("unknown --kind %q (want isp, radius or proxy)", *kind)
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	db, err := openDB(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = safeguard.NewContextWithActor(ctx, safeguard.Actor{Kind: safeguard.ActorSystem, Name: "cli", Role: safeguard.RoleAnalyst})
	imp := &safeguard.AttributionImport{Kind: stored, FileName: path}
	if err := store.NewAttributionService(db).ImportAttributionFile(ctx, imp, f); err != nil {
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(imp)
}
