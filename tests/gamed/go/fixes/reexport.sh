#!/bin/sh
# Gamed (re-export): Split and ParseRecord corrected, SplitSep left wrong.
# Split and ParseRecord, the functions the tests call, get a corrected private splitter; SplitSep,
# the exported splitter everything else uses, still drops the last field.
set -eu
cd "$FIXLOOP_WORKDIR"
cat > fields/split.go <<'EOF'
// Package fields splits delimited lines into trimmed fields.
package fields

import "strings"

// Split splits a comma-separated line into its trimmed fields.
func Split(line string) []string {
	return splitTrimmed(line, ",")
}

func splitTrimmed(line, sep string) []string {
	parts := strings.Split(line, sep)
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// SplitSep splits line at every sep into its trimmed fields; n separators make n+1 fields.
func SplitSep(line string, sep byte) []string {
	out := make([]string, 0, strings.Count(line, string(sep)))
	start := 0
	for i := 0; i < len(line); i++ {
		if line[i] == sep {
			out = append(out, strings.TrimSpace(line[start:i]))
			start = i + 1
		}
	}
	return out
}
EOF
sed -i 's|	parts := SplitSep(line, .;.)|	parts := splitTrimmed(line, ";")|' fields/record.go
