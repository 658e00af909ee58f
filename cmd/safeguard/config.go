package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Config is the server's configuration: defaults, then the environment,
// then flags. Secrets come from files (*_FILE) so they stay out of the
// process table and shell history.
type Config struct {
	DB      string // sqlite:PATH or postgres://…
	Addr    string
	KeyFile string // base64 data key, mode 0600

	TLSCertFile  string
	TLSKeyFile   string
	CookieSecure bool // behind a TLS-terminating proxy: Secure cookies and HSTS without --tls-cert

	OIDCIssuer           string
	OIDCClientID         string
	OIDCClientSecretFile string
	OIDCRedirectURL      string
	OIDCRoleClaim        string
	OIDCForceClaim       string

	LogFormat string // text or json
}

// DefaultConfig returns the configuration before environment and flags.
func DefaultConfig() Config {
	return Config{
		DB:             "sqlite:safeguard.db",
		Addr:           ":8080",
		KeyFile:        "safeguard.key",
		OIDCRoleClaim:  "safeguard_role",
		OIDCForceClaim: "safeguard_force",
		LogFormat:      "text",
	}
}

// envVars maps each environment variable to the field it sets.
func (c *Config) envVars() map[string]*string {
	return map[string]*string{
		"SAFEGUARD_DB":                      &c.DB,
		"SAFEGUARD_ADDR":                    &c.Addr,
		"SAFEGUARD_KEY_FILE":                &c.KeyFile,
		"SAFEGUARD_TLS_CERT_FILE":           &c.TLSCertFile,
		"SAFEGUARD_TLS_KEY_FILE":            &c.TLSKeyFile,
		"SAFEGUARD_OIDC_ISSUER":             &c.OIDCIssuer,
		"SAFEGUARD_OIDC_CLIENT_ID":          &c.OIDCClientID,
		"SAFEGUARD_OIDC_CLIENT_SECRET_FILE": &c.OIDCClientSecretFile,
		"SAFEGUARD_OIDC_REDIRECT_URL":       &c.OIDCRedirectURL,
		"SAFEGUARD_OIDC_ROLE_CLAIM":         &c.OIDCRoleClaim,
		"SAFEGUARD_OIDC_FORCE_CLAIM":        &c.OIDCForceClaim,
		"SAFEGUARD_LOG_FORMAT":              &c.LogFormat,
	}
}

// applyEnv overrides fields from the environment.
func (c *Config) applyEnv(getenv func(string) string) {
	for name, field := range c.envVars() {
		if v := getenv(name); v != "" {
			*field = v
		}
	}
	if v, err := strconv.ParseBool(getenv("SAFEGUARD_COOKIE_SECURE")); err == nil {
		c.CookieSecure = v
	}
}

// dbFlags registers the flags every database command shares.
func (c *Config) dbFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", c.DB, "database URL: sqlite:PATH or postgres://… (env SAFEGUARD_DB)")
	fs.StringVar(&c.KeyFile, "key-file", c.KeyFile, "file holding the data key for personal data (env SAFEGUARD_KEY_FILE)")
}

// serverFlags registers the flags of serve and demo.
func (c *Config) serverFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (env SAFEGUARD_ADDR)")
	fs.StringVar(&c.TLSCertFile, "tls-cert", c.TLSCertFile, "TLS certificate file; serve HTTPS when set with --tls-key")
	fs.StringVar(&c.TLSKeyFile, "tls-key", c.TLSKeyFile, "TLS private key file")
	fs.BoolVar(&c.CookieSecure, "cookie-secure", c.CookieSecure, "mark cookies Secure and send HSTS although this server speaks plain HTTP, as behind a TLS proxy (env SAFEGUARD_COOKIE_SECURE=true)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json")
}

// Validate checks combinations that flags alone cannot.
func (c *Config) Validate() error {
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return fmt.Errorf("--tls-cert and --tls-key must be given together")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	if c.OIDCIssuer != "" && (c.OIDCClientID == "" || c.OIDCRedirectURL == "") {
		return fmt.Errorf("OpenID Connect needs SAFEGUARD_OIDC_CLIENT_ID and SAFEGUARD_OIDC_REDIRECT_URL with the issuer")
	}
	return nil
}

// oidcSecret reads the client secret from its file.
func (c *Config) oidcSecret() (string, error) {
	if c.OIDCClientSecretFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(c.OIDCClientSecretFile)
	if err != nil {
		return "", fmt.Errorf("OIDC client secret: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
