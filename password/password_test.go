package password_test

import (
	"strings"
	"testing"

	"safeguard/password"
)

// fast keeps tests quick; production uses password.Default.
var fast = password.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashCheck(t *testing.T) {
	h, err := password.Hash("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q not in PHC argon2id form", h)
	}
	if ok, err := password.Check("correct horse battery", h); !ok || err != nil {
		t.Fatalf("Check(right) = %v, %v", ok, err)
	}
	if ok, _ := password.Check("correct horse batterx", h); ok {
		t.Fatal("Check(wrong) = true")
	}
	h2, _ := password.Hash("correct horse battery", fast)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, bad := range []string{"", "$bcrypt$x", "$argon2id$v=19$m=x$a$b", "$argon2id$v=18$m=1,t=1,p=1$AAAA$AAAA"} {
		if _, err := password.Check("x", bad); err == nil {
			t.Errorf("Check(%q) gave no error", bad)
		}
	}
}

func TestOneTimeAndValidate(t *testing.T) {
	a, b := password.OneTime(), password.OneTime()
	if a == b {
		t.Fatal("one-time passwords repeat")
	}
	if len(a) != 19 || strings.ContainsAny(a, "0O1lI") {
		t.Fatalf("one-time password %q: wrong length or ambiguous characters", a)
	}
	if err := password.Validate(a); err != nil {
		t.Fatalf("one-time password rejected: %v", err)
	}
	if err := password.Validate("short"); err == nil {
		t.Fatal("short password accepted")
	}
}
