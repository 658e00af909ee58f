package linking_test

import (
	"testing"

	"safeguard"
	"safeguard/linking"
)

// FuzzNormalize checks that normalising never panics and that a canonical
// value is its own canonical form, so stored and looked-up values agree.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"07700 900123", "+44 (0)7700 900123", "00 44 7700 900123", "A.Lice+x@GoogleMail.com",
		"Zeb <zeb@example.com>", "@Zeb@Chat", "490154203237518", "00-1A-2B-3C-4D-5E", "6D92078A-8246-4BA4-AE5B-76104861E7DC",
		"12 Acacia Avenue, Testtown, qa1x 5zz, UK", "QA1 5ZZ QA2 6ZZ", "ext 5", "+", "@", "x@y@z"} {
		f.Add(s)
	}
	kinds := []string{safeguard.IdentEmail, safeguard.IdentPhone, safeguard.IdentUsername, safeguard.IdentAccountID,
		safeguard.IdentDeviceID, safeguard.IdentSubscriber, safeguard.IdentAddress, safeguard.IdentName}
	f.Fuzz(func(t *testing.T, s string) {
		for _, kind := range kinds {
			n := linking.Normalize(safeguard.Identifier{Kind: kind, Value: s}, "chat")
			_ = n.Masked()
			if !n.Exact {
				continue
			}
			again := linking.Normalize(safeguard.Identifier{Kind: kind, Value: n.Value}, "chat")
			if again.Value != n.Value || !again.Exact {
				t.Errorf("%s %q: %q renormalises to %q (exact %v)", kind, s, n.Value, again.Value, again.Exact)
			}
		}
		linking.NewAreas(nil).Assign(s)
	})
}
