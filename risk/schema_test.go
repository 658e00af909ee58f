package risk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// schemaValidator checks a document against the subset of JSON Schema
// 2020-12 that policy.schema.json uses. It refuses keywords it does not
// know, so the schema cannot silently outgrow it.
type schemaValidator struct {
	root map[string]any
}

var schemaAnnotations = map[string]bool{"$schema": true, "$id": true, "title": true, "description": true}

func (v *schemaValidator) validate(s any, doc any, path string) error {
	sch, ok := s.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: schema is not an object", path)
	}
	for k, kv := range sch {
		if schemaAnnotations[k] || k == "$defs" {
			continue
		}
		if err := v.keyword(sch, k, kv, doc, path); err != nil {
			return err
		}
	}
	return nil
}

func (v *schemaValidator) keyword(sch map[string]any, k string, kv, doc any, path string) error {
	obj, isObj := doc.(map[string]any)
	arr, isArr := doc.([]any)
	str, isStr := doc.(string)
	num, isNum := doc.(json.Number)
	switch k {
	case "$ref":
		ref := kv.(string)
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		if !ok {
			return fmt.Errorf("unsupported $ref %s", ref)
		}
		return v.validate(v.root["$defs"].(map[string]any)[name], doc, path)
	case "type":
		var ok bool
		switch kv {
		case "object":
			ok = isObj
		case "array":
			ok = isArr
		case "string":
			ok = isStr
		case "integer":
			_, err := num.Int64()
			ok = isNum && err == nil
		case "boolean":
			_, ok = doc.(bool)
		default:
			return fmt.Errorf("unsupported type %v", kv)
		}
		if !ok {
			return fmt.Errorf("%s: not of type %v", path, kv)
		}
	case "enum":
		for _, e := range kv.([]any) {
			if reflect.DeepEqual(e, doc) {
				return nil
			}
		}
		return fmt.Errorf("%s: %v not in enum", path, doc)
	case "pattern":
		if isStr && !regexp.MustCompile(kv.(string)).MatchString(str) {
			return fmt.Errorf("%s: %q does not match %s", path, str, kv)
		}
	case "minLength", "maxLength":
		n := limit(kv)
		if isStr && ((k == "minLength" && utf8.RuneCountInString(str) < n) || (k == "maxLength" && utf8.RuneCountInString(str) > n)) {
			return fmt.Errorf("%s: length outside %s %d", path, k, n)
		}
	case "minimum", "maximum":
		if isNum {
			x, _ := num.Float64()
			n := float64(limit(kv))
			if (k == "minimum" && x < n) || (k == "maximum" && x > n) {
				return fmt.Errorf("%s: %v outside %s %v", path, num, k, n)
			}
		}
	case "minItems", "maxItems":
		n := limit(kv)
		if isArr && ((k == "minItems" && len(arr) < n) || (k == "maxItems" && len(arr) > n)) {
			return fmt.Errorf("%s: %d items outside %s %d", path, len(arr), k, n)
		}
	case "uniqueItems":
		for i := range arr {
			for j := i + 1; j < len(arr); j++ {
				if reflect.DeepEqual(arr[i], arr[j]) {
					return fmt.Errorf("%s: items %d and %d repeat", path, i, j)
				}
			}
		}
	case "minProperties", "maxProperties":
		n := limit(kv)
		if isObj && ((k == "minProperties" && len(obj) < n) || (k == "maxProperties" && len(obj) > n)) {
			return fmt.Errorf("%s: %d properties outside %s %d", path, len(obj), k, n)
		}
	case "required":
		for _, r := range kv.([]any) {
			if _, ok := obj[r.(string)]; isObj && !ok {
				return fmt.Errorf("%s: missing %s", path, r)
			}
		}
	case "properties":
		props := kv.(map[string]any)
		for name, val := range obj {
			if ps, ok := props[name]; ok {
				if err := v.validate(ps, val, path+"."+name); err != nil {
					return err
				}
			}
		}
	case "additionalProperties":
		if kv != false {
			return fmt.Errorf("unsupported additionalProperties %v", kv)
		}
		props, _ := sch["properties"].(map[string]any)
		for name := range obj {
			if _, ok := props[name]; !ok {
				return fmt.Errorf("%s: additional property %s", path, name)
			}
		}
	case "items":
		for i, it := range arr {
			if err := v.validate(kv, it, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case "oneOf", "anyOf":
		var passed int
		var errs []string
		for _, sub := range kv.([]any) {
			if err := v.validate(sub, doc, path); err != nil {
				errs = append(errs, err.Error())
			} else {
				passed++
			}
		}
		if passed == 0 || (k == "oneOf" && passed > 1) {
			return fmt.Errorf("%s: %d of %s passed (%s)", path, passed, k, strings.Join(errs, "; "))
		}
	default:
		return fmt.Errorf("unsupported keyword %s", k)
	}
	return nil
}

func limit(kv any) int {
	n, _ := kv.(json.Number).Int64()
	return int(n)
}

func decodeNumbers(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func mustSchema(t *testing.T) *schemaValidator {
	t.Helper()
	return &schemaValidator{root: decodeNumbers(t, Schema()).(map[string]any)}
}

func TestSchemaFactsMatchCatalogue(t *testing.T) {
	v := mustSchema(t)
	var got []string
	for _, e := range v.root["$defs"].(map[string]any)["fact"].(map[string]any)["enum"].([]any) {
		got = append(got, e.(string))
	}
	if want := FactPaths(); !reflect.DeepEqual(got, want) {
		t.Errorf("schema facts = %v\nwant the catalogue's %v", got, want)
	}
}

func TestBuiltinValidatesAgainstSchema(t *testing.T) {
	v := mustSchema(t)
	if err := v.validate(v.root, decodeNumbers(t, BuiltinJSON()), "$"); err != nil {
		t.Fatal(err)
	}
	if err := v.validate(v.root, decodeNumbers(t, []byte(minimalPolicy)), "$"); err != nil {
		t.Fatal(err)
	}
}

// TestSchemaAgreesOnStructure checks that structural mistakes fail both
// the published schema and ParsePolicy.
func TestSchemaAgreesOnStructure(t *testing.T) {
	v := mustSchema(t)
	for _, doc := range []string{
		`{"version": "1", "rulez": []}`,
		`{"rules": []}`,
		`{"version": "1", "rules": []}`,
		`{"version": "1", "due": {"high": "1w"}, "rules": []}`,
		withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1, "when": {"any": [{"fact": "acess_to_children", "eq": true}]}}`),
		withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1, "when": {"any": []}}`),
		withRule(`{"id": "x", "title": "X", "phase": "other_factors", "band": "urgent", "when": {"fact": "material.uk_a", "gt": 0}}`),
		withRule(`{"id": "x", "title": "X", "phase": "other_factors", "when": {"fact": "material.uk_a", "gt": 0}}`),
		withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1, "when": {"fact": "material.uk_a", "gt": 0, "lt": 3}}`),
		withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1, "when": {"fact": "material.uk_a"}}`),
		withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1, "when": {"all": [{"fact": "material.uk_a", "gt": 0}], "not": {"fact": "material.uk_b", "gt": 0}}}`),
	} {
		if err := v.validate(v.root, decodeNumbers(t, []byte(doc)), "$"); err == nil {
			t.Errorf("schema accepts %s", doc)
		}
		if _, err := ParsePolicy([]byte(doc)); err == nil {
			t.Errorf("ParsePolicy accepts %s", doc)
		}
	}
}
