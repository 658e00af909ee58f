package web

import (
	_ "embed"
)

// openAPIDocument is the OpenAPI 3.1 description of /api/v1, served as is.
//
//go:embed openapi.json
var openAPIDocument []byte
