package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"safeguard"
	"safeguard/risk"
)

func init() {
	register(command{name: "policy", summary: "check a risk policy and assess facts offline: policy check|eval|show-builtin|schema", run: runPolicy})
}

const policyUsage = `usage: safeguard policy check FILE
       safeguard policy eval [--policy FILE|builtin] --facts FILE|-
       safeguard policy show-builtin
       safeguard policy schema

check validates a policy file (JSON) and prints one line with its version and
rule count; problems are listed on stderr, one a line, by JSON path.
eval assesses a facts document under a policy (the built-in one when --policy
is omitted or "builtin") and prints {"band","score","due_in_hours",
"policy_version","trace":[{"rule","because"}]}.
show-builtin prints the built-in policy, a starting point for a force's own;
schema prints the policy file's JSON Schema. See docs/policy.md.`

func runPolicy(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", policyUsage)
	}
	switch args[0] {
	case "check":
		return runPolicyCheck(env, args[1:])
	case "eval":
		return runPolicyEval(env, args[1:])
	case "show-builtin":
		return printBlob(env, "show-builtin", args[1:], risk.BuiltinJSON())
	case "schema":
		return printBlob(env, "schema", args[1:], risk.Schema())
	case "-h", "--help", "help":
		fmt.Fprintln(env.Stdout, policyUsage)
		return errHelp
	}
	return fmt.Errorf("unknown policy command %q\n%s", args[0], policyUsage)
}

func runPolicyCheck(env *Env, args []string) error {
	fs := newFlagSet(env.Stdout, "policy check", "FILE",
		"Validates a risk policy file. Valid: exit 0 and one line, \"OK: policy VERSION, N rules\".\nInvalid: each problem on stderr as FILE: PATH: MESSAGE, and a non-zero exit.")
	if err := parseFlags(fs, interspersed(fs, args)); err != nil {
		return err
	} else if fs.NArg() != 1 {
		return fmt.Errorf("policy check needs one FILE")
	}
	p, err := loadPolicy(env, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "OK: policy %s, %d rules\n", p.Version, len(p.Rules))
	return nil
}

func runPolicyEval(env *Env, args []string) error {
	fs := newFlagSet(env.Stdout, "policy eval", "[--policy FILE|builtin] --facts FILE|-",
		`Assesses one subject's facts (a JSON document; - reads stdin) under a policy
and prints {"band","score","due_in_hours","policy_version","trace":[{"rule","because"}]}.
The trace lists every rule that fired, in policy order, with the facts and
their sources in plain words; entries named engine:… are the engine's own
(access to children is always immediate; a score threshold). Problems in
either file are listed on stderr by JSON path, with a non-zero exit.`)
	policyPath := fs.String("policy", "builtin", "policy `file`, or builtin")
	factsPath := fs.String("facts", "", "facts `file` (JSON), or - for stdin")
	if err := parseFlags(fs, interspersed(fs, args)); err != nil {
		return err
	} else if fs.NArg() > 0 {
		return fmt.Errorf("policy eval: unexpected argument %q (facts go in --facts FILE)", fs.Arg(0))
	} else if *factsPath == "" {
		return fmt.Errorf("policy eval: no --facts FILE given")
	}
	p := risk.Builtin()
	if *policyPath != "builtin" {
		var err error
		if p, err = loadPolicy(env, *policyPath); err != nil {
			return err
		}
	}
	data, err := readInput(env, *factsPath)
	if err != nil {
		return fmt.Errorf("policy eval: %w", err)
	}
	facts, err := risk.ParseFacts(data)
	if err != nil {
		name := *factsPath
		if name == "-" {
			name = "stdin"
		}
		return reportInvalid(env, name, "facts", err)
	}
	a := p.Assess(facts, time.Now()) // only the due date, not printed, depends on the time
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(a.Summary())
}

// loadPolicy reads and validates a policy file, listing its problems on
// stderr.
func loadPolicy(env *Env, path string) (*risk.Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	p, err := risk.ParsePolicy(data)
	if err != nil {
		return nil, reportInvalid(env, path, "policy", err)
	}
	return p, nil
}

// reportInvalid lists a document's problems on stderr, one a line, and
// returns the one-line error main prints.
func reportInvalid(env *Env, path, what string, err error) error {
	var ve *risk.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("%s: %s", path, safeguard.ErrorMessage(err))
	}
	for _, pe := range ve.Errors {
		fmt.Fprintf(env.Stderr, "%s: %s\n", path, pe.Error())
	}
	s := "s"
	if len(ve.Errors) == 1 {
		s = ""
	}
	return fmt.Errorf("%s: invalid %s: %d problem%s (listed above)", path, what, len(ve.Errors), s)
}

func readInput(env *Env, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(env.Stdin)
	}
	return os.ReadFile(path)
}

func printBlob(env *Env, name string, args []string, data []byte) error {
	fs := newFlagSet(env.Stdout, "policy "+name, "", "Prints the "+map[string]string{
		"show-builtin": "built-in policy (JSON), a starting point for a force's own.",
		"schema":       "JSON Schema (draft 2020-12) of a policy file."}[name])
	if err := parseFlags(fs, args); err != nil {
		return err
	} else if fs.NArg() > 0 {
		return fmt.Errorf("policy %s takes no arguments", name)
	}
	_, err := env.Stdout.Write(data)
	return err
}
