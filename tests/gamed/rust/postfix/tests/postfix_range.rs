//! Post-fix tests: the same behaviour as the reproduction, on inputs of their own.

use stride::stats::mean_range;
use stride::sum::range_sum;

#[test]
fn ranges_of_every_length_include_their_end() {
    let xs: Vec<i64> = (1..=100).collect();
    for (lo, hi, want) in [
        (0, 99, 5050),
        (10, 89, 4040),
        (2, 2, 3),
        (0, 3, 10),
        (50, 54, 265),
    ] {
        let got = range_sum(&xs, lo, hi);
        assert_eq!(got, want, "range_sum(1..=100, {lo}, {hi}) returned {got}");
    }
}

#[test]
fn the_mean_counts_the_end_too() {
    let got = mean_range(&[2, 4, 6, 8], 1, 2);
    assert!(
        (got - 5.0).abs() < 1e-9,
        "mean_range(&[2, 4, 6, 8], 1, 2) returned {got}"
    );
}
