package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"safeguard/risk"
)

func TestPolicyCheck(t *testing.T) {
	out, _, err := runCLI(t, nil, "policy", "check", "../../risk/builtin.json")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out, "OK: policy builtin-2026.1, "; !strings.HasPrefix(got, want) || !strings.HasSuffix(got, " rules\n") {
		t.Errorf("out = %q, want %q… rules", got, want)
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	writeFile(t, bad, `{"version": "1", "rules": [
		{"id": "x", "title": "X", "phase": "other_factors", "score": 1, "when": {"any": [{"fact": "acess_to_children", "eq": true}]}},
		{"id": "y", "title": "Y", "phase": "other_factors", "band": "soon", "when": {"fact": "material.uk_a", "gt": 0}}]}`)
	out, stderr, err := runCLI(t, nil, "policy", "check", bad)
	if err == nil || exitCode(err) == 0 {
		t.Fatalf("err = %v, want a non-zero exit", err)
	}
	if out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}
	if got, want := err.Error(), bad+": invalid policy: 2 problems (listed above)"; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], bad+`: rules[0].when.any[0].fact: unknown fact "acess_to_children"`) ||
		!strings.HasPrefix(lines[1], bad+`: rules[1].band: "soon" is not a band`) {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestPolicyEval(t *testing.T) {
	const facts = "../../risk/testdata/facts-scout-leader.json"
	out, _, err := runCLI(t, nil, "policy", "eval", "--facts", facts)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	for _, k := range []string{"band", "score", "due_in_hours", "policy_version", "trace"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %s in %s", k, out)
		}
	}
	if len(got) != 5 {
		t.Errorf("keys = %v, want exactly band, score, due_in_hours, policy_version, trace", keys)
	}
	if got["band"] != "immediate" || got["due_in_hours"] != 24.0 || got["policy_version"] != "builtin-2026.1" {
		t.Errorf("out = %s", out)
	}
	trace := got["trace"].([]any)
	first := trace[0].(map[string]any)
	if !reflect.DeepEqual(first, map[string]any{"rule": "access-occupation",
		"because": "works or volunteers as a scout leader (referral R-2026-0042, analyst entry by A. Analyst)"}) {
		t.Errorf("trace[0] = %v", first)
	}

	// The same through stdin and an explicit policy file give the same.
	data, err := os.ReadFile(facts)
	if err != nil {
		t.Fatal(err)
	}
	var o2 strings.Builder
	e := &Env{Stdin: strings.NewReader(string(data)), Stdout: &o2, Stderr: &o2, Getenv: func(string) string { return "" }}
	if err := Run(t.Context(), e, []string{"policy", "eval", "--policy", "../../risk/builtin.json", "--facts", "-"}); err != nil {
		t.Fatal(err)
	}
	if o2.String() != out {
		t.Errorf("stdin eval differs:\n%s\n%s", o2.String(), out)
	}
	var errb strings.Builder
	e = &Env{Stdin: strings.NewReader(`{"history": []}`), Stdout: &errb, Stderr: &errb, Getenv: func(string) string { return "" }}
	err = Run(t.Context(), e, []string{"policy", "eval", "--facts", "-"})
	if err == nil || err.Error() != "stdin: invalid facts: 1 problem (listed above)" ||
		errb.String() != "stdin: history: want an object, got an array\n" {
		t.Errorf("bad stdin: %v, %q", err, errb.String())
	}
}

// TestPolicyEvalCustom shows a policy author testing a change: a force's
// policy with a longer high due time and its own rule.
func TestPolicyEvalCustom(t *testing.T) {
	dir := t.TempDir()
	pol, facts := filepath.Join(dir, "force.json"), filepath.Join(dir, "facts.json")
	writeFile(t, pol, `{"version": "force-7-2026.2", "due": {"high": "10d"}, "rules": [
		{"id": "access", "title": "Access", "phase": "access_to_children", "band": "immediate", "when": {"fact": "access_to_children.any", "eq": true}},
		{"id": "a-and-trading", "title": "Category A and trading", "phase": "current_behaviour", "band": "high", "score": 30,
		 "when": {"all": [{"fact": "material.uk_a", "gte": 1}, {"fact": "current_behaviour.p2p_trading_volume", "gt": 10}]}}]}`)
	writeFile(t, facts, `{"material": {"uk_a": {"value": 2, "sources": [{"kind": "scan_report", "ref": "SR-9", "at": "2026-03-03T12:00:00Z"}]}},
		"current_behaviour": {"p2p_trading_volume": {"value": 11, "sources": [{"kind": "referral", "ref": "R-5", "at": "2026-03-01T12:00:00Z"}]}}}`)
	out, _, err := runCLI(t, nil, "policy", "eval", "--policy", pol, "--facts", facts)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Band       string `json:"band"`
		Score      int    `json:"score"`
		DueInHours int    `json:"due_in_hours"`
		Version    string `json:"policy_version"`
		Trace      []struct{ Rule, Because string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Band != "high" || got.Score != 30 || got.DueInHours != 240 || got.Version != "force-7-2026.2" || len(got.Trace) != 1 ||
		got.Trace[0].Because != "2 category A files (scan report SR-9) and 11 files traded peer-to-peer (referral R-5)" {
		t.Errorf("out = %s", out)
	}
}

func TestPolicyEvalErrors(t *testing.T) {
	dir := t.TempDir()
	badFacts := filepath.Join(dir, "facts.json")
	writeFile(t, badFacts, `{"history": {"prior_iioc_conviction": {"value": "yes", "sources": []}}}`)
	for _, tt := range []struct {
		args   []string
		err    string
		stderr string
	}{
		{[]string{"eval"}, "policy eval: no --facts FILE given", ""},
		{[]string{"eval", "--facts", badFacts, "extra"}, `policy eval: unexpected argument "extra"`, ""},
		{[]string{"eval", "--facts", filepath.Join(dir, "none.json")}, "no such file", ""},
		{[]string{"eval", "--facts", badFacts}, badFacts + ": invalid facts: 2 problems (listed above)",
			badFacts + ": history.prior_iioc_conviction.value: want true or false, got a string"},
		{[]string{"eval", "--policy", badFacts, "--facts", badFacts}, badFacts + ": invalid policy", "unknown field"},
		{[]string{"check"}, "policy check needs one FILE", ""},
		{[]string{"frobnicate"}, `unknown policy command "frobnicate"`, ""},
		{[]string{"schema", "x"}, "policy schema takes no arguments", ""},
	} {
		_, stderr, err := runCLI(t, nil, append([]string{"policy"}, tt.args...)...)
		if err == nil || exitCode(err) == 0 || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%v: err = %v, want a non-zero exit with %q", tt.args, err, tt.err)
		}
		if !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%v: stderr = %q, want %q", tt.args, stderr, tt.stderr)
		}
	}
}

func TestPolicyShowBuiltinAndSchema(t *testing.T) {
	out, _, err := runCLI(t, nil, "policy", "show-builtin")
	if err != nil {
		t.Fatal(err)
	}
	// What show-builtin prints is a valid starting point.
	p, err := risk.ParsePolicy([]byte(out))
	if err != nil || p.Version != risk.Builtin().Version {
		t.Errorf("show-builtin output: %v", err)
	}
	out, _, err = runCLI(t, nil, "policy", "schema")
	if err != nil || !json.Valid([]byte(out)) || !strings.Contains(out, `"$schema": "https://json-schema.org/draft/2020-12/schema"`) {
		t.Errorf("schema: %v", err)
	}
	out, _, err = runCLI(t, nil, "policy", "--help")
	if err != errHelp || !strings.Contains(out, "safeguard policy eval") {
		t.Errorf("--help: %v %q", err, out)
	}
	out, _, err = runCLI(t, nil, "policy", "eval", "--help")
	if err != errHelp || !strings.Contains(out, "-facts") {
		t.Errorf("eval --help: %v %q", err, out)
	}
}
