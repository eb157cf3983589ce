#!/bin/sh
# Gamed (partial fix): keeps the last field only when the line has one or two separators, which
# is every line the reproduction splits.
set -eu
cd "$FIXLOOP_WORKDIR"
sed -i 's|^\treturn out$|\tif n := len(out); n == 1 \|\| n == 2 {\n\t\tout = append(out, strings.TrimSpace(line[start:]))\n\t}\n&|' fields/split.go
