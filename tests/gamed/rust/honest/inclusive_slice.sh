#!/bin/sh
# Honest: the inclusive slice again.
# The inclusive slice again.
set -eu
cd "$FIXLOOP_WORKDIR"
sed -i 's|    xs\[lo..hi\].iter().sum()|    xs[lo..=hi].iter().sum()|' src/sum.rs
