package fields_test

import (
	"reflect"
	"testing"

	"example.com/tally/fields"
)

func TestSplitTrims(t *testing.T) {
	got := fields.Split(" a , b ,c")
	want := []string{"a", "b", "c"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Split returned %q, want %q", got, want)
	}
}

func TestParseRecord(t *testing.T) {
	got, err := fields.ParseRecord("bolts; 40; Lyon")
	if err != nil {
		t.Fatal(err)
	}
	if got != (fields.Record{Name: "bolts", Qty: 40, City: "Lyon"}) {
		t.Errorf("ParseRecord returned %+v", got)
	}
}
