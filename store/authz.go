package store

import (
	"strings"

	"safeguard"
)

// requireActor returns the actor, or EUNAUTHORIZED if the context has none.
func (tx *Tx) requireActor() (safeguard.Actor, error) {
	if !tx.hasActor {
		return safeguard.Actor{}, safeguard.Errorf(safeguard.EUNAUTHORIZED, "you must be signed in")
	}
	return tx.actor, nil
}

// can reports whether the actor holds the permission. System actors (the
// CLI and background jobs) may do anything.
func can(a safeguard.Actor, p safeguard.Permission) bool {
	return a.Kind == safeguard.ActorSystem || a.Can(p)
}

// require returns the actor if it holds any of perms. Without an actor it
// returns EUNAUTHORIZED; without the permission EFORBIDDEN, and the refusal
// is audited (the transaction is committed for that).
func (tx *Tx) require(action string, perms ...safeguard.Permission) (safeguard.Actor, error) {
	a, err := tx.requireActor()
	if err != nil {
		return a, err
	}
	for _, p := range perms {
		if can(a, p) {
			return a, nil
		}
	}
	names := make([]string, len(perms))
	for i, p := range perms {
		names[i] = string(p)
	}
	if err := tx.audit("access.denied", "", "", "action="+action+" needs="+strings.Join(names, "|")); err != nil {
		return a, err
	}
	return a, commitThen(safeguard.Errorf(safeguard.EFORBIDDEN, "your role may not do this"))
}

// seesForce reports whether the actor may see a record held by the force
// (the empty code means not yet allocated: national roles only).
func seesForce(a safeguard.Actor, code string) bool {
	if a.Kind == safeguard.ActorSystem {
		return true
	}
	return a.SeesForce(code)
}
