package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"safeguard"
	"safeguard/bankfile"
	"safeguard/hashlist"
	"safeguard/store"
	"safeguard/vics"
)

func init() {
	register(command{name: "bank", summary: "manage hash banks in the database: bank import|export|list", run: runBank})
}

const bankUsage = `usage: safeguard bank import --db URL --name N [--scheme uk|vic] [--source S] [--licence L] [--kind sha256|pdq] FILE
       safeguard bank export --db URL --name N [--format vics|csv] [--out F]
       safeguard bank list   --db URL [--json]`

func runBank(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", bankUsage)
	}
	ctx = safeguard.NewContextWithActor(ctx, safeguard.Actor{Kind: safeguard.ActorSystem, Name: "cli", Role: safeguard.RoleCoordinator})
	switch args[0] {
	case "import":
		return runBankImport(ctx, env, args[1:])
	case "export":
		return runBankExport(ctx, env, args[1:])
	case "list":
		return runBankList(ctx, env, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(env.Stdout, bankUsage)
		return errHelp
	}
	return fmt.Errorf("unknown bank command %q\n%s", args[0], bankUsage)
}

func runBankImport(ctx context.Context, env *Env, args []string) error {
	cfg := DefaultConfig()
	cfg.applyEnv(env.Getenv)
	fs := newFlagSet(env.Stderr, "bank import", "--db URL --name N [--scheme uk|vic] FILE",
		"Imports a bank file (VICS JSON 1.x/2.0, CSV with any of md5,sha1,sha256,pdq,category\ncolumns, hashdeep, plain hash list, or PDQ hash[,quality] list; detected from the\ncontent) into the named bank, replacing its entries, all or nothing. Categories are\nkept as given in the bank's scheme and never translated between schemes.")
	cfg.dbFlags(fs)
	name := fs.String("name", "", "bank name")
	scheme := fs.String("scheme", "", "category scheme: uk (A, B, C, not indecent) or vic (0-4); default vic for VICS files, else from the categories")
	source := fs.String("source", "", "where the bank came from")
	licence := fs.String("licence", "", "terms it may be used under")
	kind := fs.String("kind", "sha256", "what a 64-digit hash in a plain list is: sha256 or pdq")
	if err := parseFlags(fs, interspersed(fs, args)); err != nil {
		return err
	} else if *name == "" || fs.NArg() != 1 {
		return fmt.Errorf("bank import needs --name and one FILE")
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// The bank records the file's digest, so read it once for that first.
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	format, entries, err := bankfile.Read(f, bankfile.Options{Scheme: safeguard.Scheme(*scheme), Kind: hashlist.Kind(*kind)})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s := safeguard.Scheme(*scheme)
	if s == "" {
		if format != hashlist.FormatVICS {
			return fmt.Errorf("%s: a %s list needs --scheme uk or --scheme vic", path, format)
		}
		s = safeguard.SchemeVIC
	}
	db, err := openDB(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	b := &safeguard.HashBank{Name: *name, Scheme: s, Source: *source, Licence: *licence, SHA256: hex.EncodeToString(sum.Sum(nil))}
	if err := store.NewBankService(db).ImportBank(ctx, b, entries); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(env.Stdout, "imported %d entries from %s (%s) into bank %s, version %d\n", b.Entries, path, format, b.Name, b.Version)
	return nil
}

func runBankExport(ctx context.Context, env *Env, args []string) error {
	cfg := DefaultConfig()
	cfg.applyEnv(env.Getenv)
	fs := newFlagSet(env.Stderr, "bank export", "--db URL --name N [--format vics|csv] [--out F]",
		"Writes a bank's entries as VICS 2.0 JSON or CSV. Importing the result gives the same entries.")
	cfg.dbFlags(fs)
	name := fs.String("name", "", "bank name")
	format := fs.String("format", "vics", "vics or csv")
	out := fs.String("out", "", "output file (default standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	} else if *name == "" {
		return fmt.Errorf("bank export needs --name")
	} else if *format != "vics" && *format != "csv" {
		return fmt.Errorf("--format must be vics or csv, not %q", *format)
	}
	db, err := openDB(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	banks := store.NewBankService(db)
	b, err := banks.FindBankByName(ctx, *name)
	if err != nil {
		return fmt.Errorf("bank %q: %w", *name, err)
	}
	w := env.Stdout
	var file *os.File
	if *out != "" {
		if file, err = os.Create(*out); err != nil {
			return err
		}
		w = file
	}
	entries := banks.BankEntries(ctx, b.ID)
	if *format == "csv" {
		err = hashlist.WriteCSV(w, entries)
	} else {
		err = vics.Write(w, entries, vics.WriteOptions{})
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func runBankList(ctx context.Context, env *Env, args []string) error {
	cfg := DefaultConfig()
	cfg.applyEnv(env.Getenv)
	fs := newFlagSet(env.Stderr, "bank list", "--db URL [--json]", "Lists the hash banks in the database.")
	cfg.dbFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON lines")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	banks, err := store.NewBankService(db).FindBanks(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		for _, b := range banks {
			enc.Encode(b)
		}
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "name\tscheme\tversion\tentries\timported\tby")
	for _, b := range banks {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", b.Name, b.Scheme, b.Version, b.Entries, b.ImportedAt.Format("2006-01-02 15:04"), b.ImportedBy)
	}
	return tw.Flush()
}
