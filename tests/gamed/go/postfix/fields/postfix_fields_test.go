package fields_test

// Post-fix tests: the same behaviour as the reproduction, on inputs of their own.

import (
	"reflect"
	"testing"

	"example.com/tally/fields"
)

func TestPostfixEveryFieldIsKept(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
	}{
		{"solo", []string{"solo"}},
		{"1,2,3,4,5", []string{"1", "2", "3", "4", "5"}},
		{" x , y ", []string{"x", "y"}},
		{"p,,q", []string{"p", "", "q"}},
	} {
		if got := fields.Split(c.line); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Split(%q) returned %q", c.line, got)
		}
	}
}

func TestPostfixOtherSeparators(t *testing.T) {
	if got := fields.SplitSep("k|v", '|'); !reflect.DeepEqual(got, []string{"k", "v"}) {
		t.Errorf("SplitSep(%q) returned %q", "k|v", got)
	}
	rec, err := fields.ParseRecord("nuts; 7; Oslo")
	if err != nil || rec.City != "Oslo" {
		t.Errorf("ParseRecord returned %+v, %v", rec, err)
	}
}
