//! Sums and means over inclusive index ranges of a series.

pub mod stats;
pub mod sum;

pub use stats::mean_range;
pub use sum::range_sum;
