//! Means over index ranges.

use crate::sum;

/// The mean of `xs[lo]` through `xs[hi]`, both ends included.
#[must_use]
pub fn mean_range(xs: &[i64], lo: usize, hi: usize) -> f64 {
    let count = hi - lo + 1;
    sum::range_sum(xs, lo, hi) as f64 / count as f64
}
