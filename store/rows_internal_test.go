package store

import (
	"slices"
	"testing"
)

// TestSortRows: rows of a flat VALUES list are ordered by their first
// value, each row kept whole, equal keys in their order.
func TestSortRows(t *testing.T) {
	vals := []any{int64(9), "nine", 1, int64(2), "two", 2, int64(5), "five", 3, int64(2), "two again", 4}
	sortRows(vals, 3)
	want := []any{int64(2), "two", 2, int64(2), "two again", 4, int64(5), "five", 3, int64(9), "nine", 1}
	if !slices.Equal(vals, want) {
		t.Errorf("sorted %v, want %v", vals, want)
	}
}
