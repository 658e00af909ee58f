package safeguard

import (
	"context"
	"regexp"
	"time"
)

// User is a person's account. Login names identify staff, not subjects, and
// are stored in clear; subjects' personal data never is.
type User struct {
	ID                 int64      `json:"id"`
	Name               string     `json:"name"` // login name
	DisplayName        string     `json:"display_name"`
	Role               Role       `json:"role"`
	ForceCode          string     `json:"force_code,omitempty"`
	PasswordHash       string     `json:"-"` // argon2id, PHC string format
	MustChangePassword bool       `json:"must_change_password"`
	FailedLogins       int        `json:"failed_logins"`
	LockedUntil        *time.Time `json:"locked_until,omitempty"`
	OIDCSubject        string     `json:"oidc_subject,omitempty"` // issuer-scoped "sub" claim
	Disabled           bool       `json:"disabled"`
	LastLoginAt        *time.Time `json:"last_login_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

var loginNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// Validate returns EINVALID if the account is malformed: an unknown role, a
// force role without a force, or a national role with one.
func (u *User) Validate() error {
	return validatePrincipal(u.Name, u.Role, u.ForceCode)
}

func validatePrincipal(name string, role Role, force string) error {
	if !loginNameRE.MatchString(name) {
		return Errorf(EINVALID, "name %q must be 2-64 lower-case letters, digits or . _ @ -", name)
	} else if !role.Valid() {
		return Errorf(EINVALID, "unknown role %q (want one of admin, coordinator, analyst, supervisor, investigator, auditor)", role)
	} else if role.ForceScoped() && force == "" {
		return Errorf(EINVALID, "role %s needs a force", role)
	} else if !role.ForceScoped() && force != "" {
		return Errorf(EINVALID, "role %s is national and takes no force", role)
	}
	return nil
}

// Actor returns the actor that this user acts as.
func (u *User) Actor() Actor {
	return Actor{Kind: ActorUser, ID: u.ID, Name: u.Name, Role: u.Role, ForceCode: u.ForceCode}
}

// UserUpdate holds the fields of a user that may change; nil means unchanged.
type UserUpdate struct {
	DisplayName *string
	Role        *Role
	ForceCode   *string
	Disabled    *bool
}

// UserFilter selects users to list.
type UserFilter struct {
	Role   *Role
	Offset int
	Limit  int
}

// Session is a logged-in browser session. Only a hash of its token is stored.
type Session struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	CSRFToken  string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// APIToken lets another system use the JSON API with a fixed role and force.
// Only a hash of the secret is stored; the secret is shown once.
type APIToken struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	ForceCode  string     `json:"force_code,omitempty"`
	Prefix     string     `json:"prefix"` // first characters of the secret, to recognise it
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Validate returns EINVALID if the token's role or force is malformed.
func (t *APIToken) Validate() error {
	return validatePrincipal(t.Name, t.Role, t.ForceCode)
}

// Actor returns the actor that this token acts as.
func (t *APIToken) Actor() Actor {
	return Actor{Kind: ActorToken, ID: t.ID, Name: t.Name, Role: t.Role, ForceCode: t.ForceCode}
}

// OIDCIdentity is what an OpenID Connect login proved about a person.
type OIDCIdentity struct {
	Subject   string // issuer + "|" + sub claim
	Name      string // preferred login name
	Display   string
	Role      Role
	ForceCode string
}

// UserService manages accounts. All methods require PermManageUsers except
// where noted.
type UserService interface {
	// CreateUser stores u with a fresh one-time password that must be changed
	// at first login, and returns that password. Returns ECONFLICT if the name
	// is taken, EINVALID for a malformed user, ENOTFOUND for an unknown force.
	CreateUser(ctx context.Context, u *User) (password string, err error)
	// FindUserByID returns ENOTFOUND if there is no such user.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUsers returns users matching the filter and the total count.
	FindUsers(ctx context.Context, filter UserFilter) ([]*User, int, error)
	// UpdateUser applies upd and returns the new user.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
	// ResetPassword sets a new one-time password, unlocks the account and
	// ends its sessions.
	ResetPassword(ctx context.Context, id int64) (password string, err error)
}

// AuthService checks credentials and manages sessions and API tokens. Its
// login methods need no actor in the context.
type AuthService interface {
	// Login checks a name and password. A wrong name or password returns
	// EUNAUTHORIZED with the same message; a locked or throttled account
	// returns ETOOMANY. On success it creates a session and returns its
	// secret token.
	Login(ctx context.Context, name, password string) (token string, sess *Session, u *User, err error)
	// LoginOIDC finds or creates the account bound to the identity, updates
	// its role and force from the identity, and creates a session.
	LoginOIDC(ctx context.Context, id OIDCIdentity) (token string, sess *Session, u *User, err error)
	// Authenticate returns the live session and user for a session token.
	// Returns EUNAUTHORIZED if the token is unknown, expired or the user is
	// disabled.
	Authenticate(ctx context.Context, token string) (*Session, *User, error)
	// Logout ends the session with the given token.
	Logout(ctx context.Context, token string) error
	// ChangePassword replaces the actor's password after checking the old one
	// and clears MustChangePassword. Returns EINVALID for a weak password.
	ChangePassword(ctx context.Context, userID int64, oldPassword, newPassword string) error

	// CreateToken stores t and returns its secret, shown once. Requires
	// PermManageUsers.
	CreateToken(ctx context.Context, t *APIToken) (secret string, err error)
	// AuthenticateToken returns the live token for a secret. Returns
	// EUNAUTHORIZED if unknown or revoked.
	AuthenticateToken(ctx context.Context, secret string) (*APIToken, error)
	// RevokeToken revokes a token. Requires PermManageUsers.
	RevokeToken(ctx context.Context, id int64) error
	// FindTokens lists tokens. Requires PermManageUsers.
	FindTokens(ctx context.Context) ([]*APIToken, error)
}
