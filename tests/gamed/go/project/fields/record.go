package fields

import (
	"fmt"
	"strconv"
)

// Record is one line of an inventory export: "name; quantity; city".
type Record struct {
	Name string
	Qty  int
	City string
}

// ParseRecord reads one semicolon-separated inventory line.
func ParseRecord(line string) (Record, error) {
	parts := SplitSep(line, ';')
	if len(parts) != 3 {
		return Record{}, fmt.Errorf("want 3 fields, got %d in %q", len(parts), line)
	}
	qty, err := strconv.Atoi(parts[1])
	if err != nil {
		return Record{}, fmt.Errorf("quantity %q: %w", parts[1], err)
	}
	return Record{Name: parts[0], Qty: qty, City: parts[2]}, nil
}
