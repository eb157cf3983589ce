//! Range sums.

/// The sum of `xs[lo]` through `xs[hi]`, both ends included.
///
/// # Panics
/// When `lo > hi` or `hi` is out of bounds.
#[must_use]
pub fn range_sum(xs: &[i64], lo: usize, hi: usize) -> i64 {
    xs[lo..=hi].iter().sum()
}
