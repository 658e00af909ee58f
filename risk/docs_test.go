package risk

import (
	"os"
	"strings"
	"testing"
)

// TestDocsNameEverything keeps docs/policy.md in step: every fact and every
// built-in rule is described there.
func TestDocsNameEverything(t *testing.T) {
	data, err := os.ReadFile("../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, path := range FactPaths() {
		if !strings.Contains(doc, "`"+path+"`") {
			t.Errorf("docs/policy.md does not describe fact %s", path)
		}
	}
	for _, r := range Builtin().Rules {
		if !strings.Contains(doc, "`"+r.ID+"`") {
			t.Errorf("docs/policy.md does not list built-in rule %s", r.ID)
		}
	}
	if v := Builtin().Version; !strings.Contains(doc, v) {
		t.Errorf("docs/policy.md does not name the built-in version %s", v)
	}
}
