//! Failure-rate statistics for verification claims.

/// The one-sided 95 % upper bound of a failure rate after `failures` in `runs`.
///
/// With no failures this is the exact (Clopper–Pearson) bound `1 - 0.05^(1/n)`, the "rule of
/// three" in its exact form; otherwise the Wilson score bound. `None` without runs.
#[must_use]
pub fn failure_rate_upper_95(failures: u32, runs: u32) -> Option<f64> {
    if runs == 0 {
        return None;
    }
    let n = f64::from(runs);
    if failures == 0 {
        return Some(1.0 - 0.05_f64.powf(1.0 / n));
    }
    let p = f64::from(failures.min(runs)) / n;
    // z for a one-sided 95 % bound.
    let z = 1.644_853_626_951_472_2_f64;
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((centre + spread) / (1.0 + z2 / n)).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_failures_follow_the_exact_bound() {
        let three = failure_rate_upper_95(0, 3).unwrap();
        assert!((three - 0.631_6).abs() < 1e-3, "{three}");
        let many = failure_rate_upper_95(0, 240).unwrap();
        assert!((many - 0.012_4).abs() < 1e-3, "{many}");
        assert_eq!(failure_rate_upper_95(0, 0), None);
    }

    #[test]
    fn some_failures_bound_above_the_observed_rate() {
        let upper = failure_rate_upper_95(36, 300).unwrap();
        assert!(upper > 0.12 && upper < 0.17, "{upper}");
        assert!((failure_rate_upper_95(3, 3).unwrap() - 1.0).abs() < 1e-9);
    }
}
