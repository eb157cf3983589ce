package fields_test

// Split drops the last field of a line: "name,qty,city" must give three fields.

import (
	"reflect"
	"testing"

	"example.com/tally/fields"
)

func TestReproLastFieldIsKept(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
	}{
		{"name,qty,city", []string{"name", "qty", "city"}},
		{"a,b", []string{"a", "b"}},
	} {
		got := fields.Split(c.line)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Split(%q) returned %q", c.line, got)
		}
	}
}
