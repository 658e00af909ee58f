package store

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"safeguard"
)

// factKind is what a fact path holds.
type factKind int

const (
	factBool factKind = iota
	factCount
	factText
	factTextList // occupations: several, each with its sources
)

// factField locates one fact in safeguard.Facts by its JSON path.
type factField struct {
	index []int
	kind  factKind
}

var (
	factFieldsOnce sync.Once
	factFields     map[string]factField
)

// factFieldsByPath maps every fact path ("section.name", from the JSON
// tags of safeguard.Facts) to its field, once.
func factFieldsByPath() map[string]factField {
	factFieldsOnce.Do(func() {
		factFields = map[string]factField{}
		kinds := map[reflect.Type]factKind{
			reflect.TypeFor[*safeguard.BoolFact]():  factBool,
			reflect.TypeFor[*safeguard.CountFact](): factCount,
			reflect.TypeFor[*safeguard.TextFact]():  factText,
			reflect.TypeFor[[]safeguard.TextFact](): factTextList,
		}
		ft := reflect.TypeFor[safeguard.Facts]()
		for i := range ft.NumField() {
			sec := ft.Field(i)
			if sec.Type.Kind() != reflect.Struct {
				continue
			}
			for j := range sec.Type.NumField() {
				f := sec.Type.Field(j)
				if k, ok := kinds[f.Type]; ok {
					factFields[jsonName(sec)+"."+jsonName(f)] = factField{index: []int{i, j}, kind: k}
				}
			}
		}
	})
	return factFields
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// checkFactValue returns EINVALID unless path is a fact an analyst may
// record and value (JSON) is of its kind: true or false, a count of 0 or
// more, or a word.
func checkFactValue(path, value string) error {
	f, ok := factFieldsByPath()[path]
	if !ok {
		return safeguard.Errorf(safeguard.EINVALID, "unknown fact %q", path)
	}
	var err error
	switch f.kind {
	case factBool:
		var b bool
		err = json.Unmarshal([]byte(value), &b)
	case factCount:
		var n int64
		if err = json.Unmarshal([]byte(value), &n); err == nil && n < 0 {
			err = fmt.Errorf("negative")
		}
	default:
		var s string
		if err = json.Unmarshal([]byte(value), &s); err == nil && (strings.TrimSpace(s) == "" || len(s) > 200) {
			err = fmt.Errorf("empty or too long")
		}
	}
	if err != nil {
		return safeguard.Errorf(safeguard.EINVALID, "%s needs %s, not %s", path, kindWords[f.kind], value)
	}
	return nil
}

var kindWords = map[factKind]string{factBool: "true or false", factCount: "a whole number, 0 or more",
	factText: "a word", factTextList: "a word"}

// factSet accumulates a subject's facts from several sources.
type factSet struct{ f *safeguard.Facts }

func newFactSet() factSet { return factSet{f: &safeguard.Facts{}} }

// setBool records a yes/no fact: true wins over false, and every source
// saying the winning value is kept.
func (s factSet) setBool(path string, v bool, src safeguard.FactSource) {
	p := s.field(path).Addr().Interface().(**safeguard.BoolFact)
	switch {
	case *p == nil || (v && !(*p).Value):
		*p = &safeguard.BoolFact{Value: v, Sources: []safeguard.FactSource{src}}
	case (*p).Value == v:
		(*p).Sources = append((*p).Sources, src)
	}
}

// addCount adds to a count, keeping the source.
func (s factSet) addCount(path string, n int64, src safeguard.FactSource) {
	p := s.field(path).Addr().Interface().(**safeguard.CountFact)
	if *p == nil {
		*p = &safeguard.CountFact{}
	}
	(*p).Value += n
	(*p).Sources = append((*p).Sources, src)
}

// setCount records a count an analyst gave: the latest entry stands.
func (s factSet) setCount(path string, n int64, src safeguard.FactSource) {
	p := s.field(path).Addr().Interface().(**safeguard.CountFact)
	*p = &safeguard.CountFact{Value: n, Sources: []safeguard.FactSource{src}}
}

// setText records a word (the latest stands), or adds one to a list
// (occupations), merging sources of the same word.
func (s factSet) setText(path, v string, src safeguard.FactSource) {
	fv := s.field(path)
	if fv.Kind() == reflect.Slice {
		list := fv.Addr().Interface().(*[]safeguard.TextFact)
		for i := range *list {
			if (*list)[i].Value == v {
				(*list)[i].Sources = append((*list)[i].Sources, src)
				return
			}
		}
		*list = append(*list, safeguard.TextFact{Value: v, Sources: []safeguard.FactSource{src}})
		return
	}
	*fv.Addr().Interface().(**safeguard.TextFact) = &safeguard.TextFact{Value: v, Sources: []safeguard.FactSource{src}}
}

// setEntry applies an analyst's entry (already checked).
func (s factSet) setEntry(path, value string, src safeguard.FactSource) {
	switch factFieldsByPath()[path].kind {
	case factBool:
		var b bool
		json.Unmarshal([]byte(value), &b)
		s.setBool(path, b, src)
	case factCount:
		var n int64
		json.Unmarshal([]byte(value), &n)
		s.setCount(path, n, src)
	default:
		var v string
		json.Unmarshal([]byte(value), &v)
		s.setText(path, strings.TrimSpace(v), src)
	}
}

func (s factSet) field(path string) reflect.Value {
	f, ok := factFieldsByPath()[path]
	if !ok {
		panic("store: no fact " + path) // a typo in this package, caught by its tests
	}
	return reflect.ValueOf(s.f).Elem().FieldByIndex(f.index)
}
