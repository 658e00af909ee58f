package risk

import (
	_ "embed"
	"sync"
)

//go:embed builtin.json
var builtinJSON []byte

//go:embed policy.schema.json
var schemaJSON []byte

// BuiltinJSON returns the built-in policy's file, a starting point for a
// force's own.
func BuiltinJSON() []byte { return append([]byte(nil), builtinJSON...) }

// Schema returns the JSON Schema (draft 2020-12) of a policy file. The
// schema checks structure; ParsePolicy checks that and more (see
// docs/policy.md).
func Schema() []byte { return append([]byte(nil), schemaJSON...) }

// Builtin returns the built-in policy. It panics if the embedded file is
// invalid, which its tests rule out.
func Builtin() *Policy {
	p, err := parseBuiltin()
	if err != nil {
		panic("risk: built-in policy: " + err.Error())
	}
	return p
}

// parseBuiltin parses the embedded policy once; a Policy is immutable, so
// every caller can share it.
var parseBuiltin = sync.OnceValues(func() (*Policy, error) { return ParsePolicy(builtinJSON) })
