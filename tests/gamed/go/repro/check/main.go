// Command fixloop_check runs Split on the reproduction's inputs, with no test framework.
package main

import (
	"fmt"
	"os"
	"reflect"

	"example.com/tally/fields"
)

func main() {
	failed := false
	for _, c := range []struct {
		line string
		want []string
	}{
		{"name,qty,city", []string{"name", "qty", "city"}},
		{"a,b", []string{"a", "b"}},
	} {
		got := fields.Split(c.line)
		if !reflect.DeepEqual(got, c.want) {
			fmt.Printf("Split(%q) returned %q\n", c.line, got)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
	fmt.Println("Split keeps the last field")
}
