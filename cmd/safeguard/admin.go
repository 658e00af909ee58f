package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"

	"safeguard"
	"safeguard/keyring"
	"safeguard/store"
)

func init() {
	register(command{name: "migrate", summary: "apply schema migrations (creates the key file if missing)", run: runMigrate})
	register(command{name: "user", summary: "manage accounts: user add", run: runUser})
	register(command{name: "token", summary: "manage API tokens: token add", run: runToken})
	register(command{name: "audit", summary: "check the audit chain: audit verify", run: runAudit})
}

// redactURL hides a password in a database URL for logs.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// openDB opens and migrates the configured database, with the data key when
// the command needs personal data.
func openDB(ctx context.Context, cfg Config, needKey bool) (*store.DB, error) {
	var opts store.Options
	if needKey {
		keys, err := keyring.LoadFile(cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w (create one with 'safeguard migrate', or set SAFEGUARD_KEY_FILE)", err)
		}
		opts.Sealer = keys
	}
	db, err := store.Open(ctx, cfg.DB, opts)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func runMigrate(ctx context.Context, env *Env, args []string) error {
	cfg := DefaultConfig()
	cfg.applyEnv(env.Getenv)
	fs := newFlagSet(env.Stderr, "migrate", "[--db URL] [--key-file F]",
		"Applies the schema migrations to the database. If the key file does not exist it\nis created with a fresh random data key (mode 0600): keep it safe and backed up\napart from the database, since personal data cannot be read without it.")
	cfg.dbFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := os.Stat(cfg.KeyFile); errors.Is(err, os.ErrNotExist) {
		if err := keyring.WriteFile(cfg.KeyFile); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "created data key %s (mode 0600)\n", cfg.KeyFile)
	}
	db, err := openDB(ctx, cfg, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "migrated %s\n", redactURL(cfg.DB))
	return db.Close()
}

// subcommand checks that args start with the only subcommand a command
// has, printing usage for --help.
func subcommand(env *Env, args []string, sub, usage string) error {
	if len(args) > 0 && args[0] == sub {
		return nil
	} else if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
		fmt.Fprintln(env.Stdout, "Usage: "+usage)
		return errHelp
	}
	return fmt.Errorf("usage: %s", usage)
}

// addPrincipal parses the flags shared by user add and token add, opens the
// database and calls create with an admin actor for the new principal.
func addPrincipal(ctx context.Context, env *Env, args []string, name, doc string,
	create func(context.Context, *store.DB, string, safeguard.Role, string) error) error {
	const synopsis = "--db URL --name N --role R [--force CODE]"
	if err := subcommand(env, args, "add", "safeguard "+name+" add "+synopsis); err != nil {
		return err
	}
	cfg := DefaultConfig()
	cfg.applyEnv(env.Getenv)
	fs := newFlagSet(env.Stderr, name+" add", synopsis, doc)
	cfg.dbFlags(fs)
	n := fs.String("name", "", "name (lower-case letters, digits, . _ @ -)")
	role := fs.String("role", "", "role: admin, coordinator, analyst, supervisor, investigator or auditor")
	force := fs.String("force", "", "force code, for the supervisor and investigator roles")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	} else if *n == "" || *role == "" {
		return fmt.Errorf("%s add needs --name and --role", name)
	}
	db, err := openDB(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = safeguard.NewContextWithActor(ctx, safeguard.Actor{Kind: safeguard.ActorSystem, Name: "cli", Role: safeguard.RoleAdmin})
	if err := create(ctx, db, *n, safeguard.Role(*role), *force); err != nil {
		return fmt.Errorf("%s add: %s", name, safeguard.ErrorMessage(err))
	}
	return nil
}

func runUser(ctx context.Context, env *Env, args []string) error {
	return addPrincipal(ctx, env, args, "user", "Creates an account and prints a one-time password, which must be changed at first login.",
		func(ctx context.Context, db *store.DB, name string, role safeguard.Role, force string) error {
			u := &safeguard.User{Name: name, Role: role, ForceCode: force}
			pw, err := store.NewUserService(db).CreateUser(ctx, u)
			if err == nil {
				fmt.Fprintf(env.Stdout, "created user %s (%s)\none-time password: %s\n", u.Name, u.Role, pw)
			}
			return err
		})
}

func runToken(ctx context.Context, env *Env, args []string) error {
	return addPrincipal(ctx, env, args, "token", "Creates an API token for another system and prints it once; only its hash is kept.\nUse it as 'Authorization: Bearer TOKEN' on /api/v1/.",
		func(ctx context.Context, db *store.DB, name string, role safeguard.Role, force string) error {
			t := &safeguard.APIToken{Name: name, Role: role, ForceCode: force}
			secret, err := store.NewAuthService(db).CreateToken(ctx, t)
			if err == nil {
				fmt.Fprintf(env.Stdout, "%s\n", secret)
				fmt.Fprintf(env.Stderr, "created token %s (%s); it is shown only this once\n", t.Name, t.Role)
			}
			return err
		})
}

func runAudit(ctx context.Context, env *Env, args []string) error {
	if err := subcommand(env, args, "verify", "safeguard audit verify --db URL [--json]"); err != nil {
		return err
	}
	cfg := DefaultConfig()
	cfg.applyEnv(env.Getenv)
	fs := newFlagSet(env.Stderr, "audit verify", "--db URL [--json]",
		"Checks the audit log's hash chain. Exits 0 when intact; otherwise exits 2 and\nnames the first row that does not hold.")
	cfg.dbFlags(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	// Verifying needs no personal data, so no key.
	db, err := store.Open(ctx, cfg.DB, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = safeguard.NewContextWithActor(ctx, safeguard.Actor{Kind: safeguard.ActorSystem, Name: "cli", Role: safeguard.RoleAuditor})
	rows, brk, err := store.NewAuditService(db).VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		json.NewEncoder(env.Stdout).Encode(map[string]any{"rows": rows, "intact": brk == nil, "first_break": brk})
	} else if brk == nil {
		fmt.Fprintf(env.Stdout, "audit chain intact: %d rows\n", rows)
	}
	if brk != nil {
		return &exitError{code: 2, err: fmt.Errorf("audit chain broken at row %d: %s (%d rows checked)", brk.Seq, brk.Reason, rows)}
	}
	return nil
}
