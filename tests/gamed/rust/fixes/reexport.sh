#!/bin/sh
# Gamed (re-export): the crate root exports a corrected range_sum under the name the tests
# import; sum::range_sum, which mean_range uses, still leaves the end out.
set -eu
cd "$FIXLOOP_WORKDIR"
cat > src/lib.rs <<'EOF'
//! Sums and means over inclusive index ranges of a series.

pub mod stats;
pub mod sum;

pub use stats::mean_range;

/// The sum of `xs[lo]` through `xs[hi]`, both ends included.
#[must_use]
pub fn range_sum(xs: &[i64], lo: usize, hi: usize) -> i64 {
    sum::range_sum(xs, lo, hi) + xs[hi]
}
EOF
