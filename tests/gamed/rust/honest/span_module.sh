#!/bin/sh
# Honest: an inclusive Span type in its own module (two files).
# An inclusive Span type in its own module, used by range_sum.
set -eu
cd "$FIXLOOP_WORKDIR"
cat > src/span.rs <<'EOF'
//! Inclusive index spans.

use std::ops::RangeInclusive;

/// The indices `lo` through `hi`, both included.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub lo: usize,
    pub hi: usize,
}

impl Span {
    #[must_use]
    pub fn indices(self) -> RangeInclusive<usize> {
        self.lo..=self.hi
    }
}
EOF
cat > src/lib.rs <<'EOF'
//! Sums and means over inclusive index ranges of a series.

pub mod span;
pub mod stats;
pub mod sum;

pub use stats::mean_range;
pub use sum::range_sum;
EOF
sed -i 's|    xs\[lo..hi\].iter().sum()|    xs[crate::span::Span { lo, hi }.indices()].iter().sum()|' src/sum.rs
