package safeguard

import (
	"context"
	"strconv"
	"time"
)

// ActorKind says what kind of principal is acting.
type ActorKind string

// Actor kinds.
const (
	ActorUser   ActorKind = "user"
	ActorToken  ActorKind = "token"
	ActorSystem ActorKind = "system" // the CLI and background jobs
)

// Actor is the principal on whose behalf a service call runs. Services read
// it from the context to authorise, scope by force and write the audit log.
type Actor struct {
	Kind      ActorKind
	ID        int64 // user or token id; 0 for system
	Name      string
	Role      Role
	ForceCode string // set for force-scoped roles
}

// Label is how the actor appears in the audit log, e.g. "user:7:jsmith".
func (a Actor) Label() string {
	if a.Kind == ActorSystem {
		return "system:" + a.Name
	}
	return string(a.Kind) + ":" + strconv.FormatInt(a.ID, 10) + ":" + a.Name
}

// Can reports whether the actor's role has the permission.
func (a Actor) Can(p Permission) bool { return a.Role.Can(p) }

// SeesForce reports whether the actor may see data belonging to the force.
// National roles see every force; force roles see only their own.
func (a Actor) SeesForce(code string) bool {
	if !a.Role.ForceScoped() {
		return true
	}
	return a.ForceCode != "" && a.ForceCode == code
}

// SystemActor returns an all-powerful actor for CLI commands and jobs; it is
// recorded in the audit log under the given name.
func SystemActor(name string) Actor {
	return Actor{Kind: ActorSystem, Name: name, Role: RoleCoordinator}
}

type ctxKey int

const (
	actorKey ctxKey = iota
	requestIDKey
	nowKey
)

// NewContextWithActor returns a copy of ctx carrying the actor.
func NewContextWithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFromContext returns the actor in ctx and whether there is one.
func ActorFromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey).(Actor)
	return a, ok
}

// NewContextWithRequestID returns a copy of ctx carrying the request id that
// log lines and audit events record.
func NewContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFromContext returns the request id in ctx, or "".
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// NewContextWithNow returns a copy of ctx whose transactions use now as the
// current time, so tests control the clock.
func NewContextWithNow(ctx context.Context, now time.Time) context.Context {
	return context.WithValue(ctx, nowKey, now)
}

// NowFromContext returns the fixed time in ctx, or the current UTC time.
func NowFromContext(ctx context.Context) time.Time {
	if t, ok := ctx.Value(nowKey).(time.Time); ok {
		return t.UTC()
	}
	return time.Now().UTC()
}
