package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// staticAssets serves embedded files under content-hashed names, so they can
// be cached for a year and a new release still reaches every browser.
type staticAssets struct {
	urls  map[string]string // "app.css" -> "/static/app.3f2a9c1b.css"
	files map[string]asset  // "app.3f2a9c1b.css" -> content
}

type asset struct {
	body        []byte
	contentType string
}

func loadStatic() (*staticAssets, error) {
	sa := &staticAssets{urls: map[string]string{}, files: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Base(p)
		ext := path.Ext(name)
		sum := sha256.Sum256(b)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		sa.urls[name] = "/static/" + hashed
		sa.files[hashed] = asset{body: b, contentType: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: load static assets: %w", err)
	}
	return sa, nil
}

// URL returns the hashed URL of an asset, or an error for an unknown name,
// which fails the template that asked for it.
func (sa *staticAssets) URL(name string) (string, error) {
	u, ok := sa.urls[name]
	if !ok {
		return "", fmt.Errorf("no static asset %q", name)
	}
	return u, nil
}

// serveStatic handles GET /static/{file}.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	a, ok := s.static.files[r.PathValue("file")]
	if !ok {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(a.body)
}
