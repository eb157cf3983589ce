#!/bin/sh
# Honest: appends the field after the last separator again.
# The field after the last separator is appended again.
set -eu
cd "$FIXLOOP_WORKDIR"
cat > fields/split.go <<'EOF'
// Package fields splits delimited lines into trimmed fields.
package fields

import "strings"

// Split splits a comma-separated line into its trimmed fields.
func Split(line string) []string {
	return SplitSep(line, ',')
}

// SplitSep splits line at every sep into its trimmed fields; n separators make n+1 fields.
func SplitSep(line string, sep byte) []string {
	out := make([]string, 0, strings.Count(line, string(sep))+1)
	start := 0
	for i := 0; i < len(line); i++ {
		if line[i] == sep {
			out = append(out, strings.TrimSpace(line[start:i]))
			start = i + 1
		}
	}
	out = append(out, strings.TrimSpace(line[start:]))
	return out
}
EOF
