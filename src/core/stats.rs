//! Failure-rate statistics for flaky failures: how often it fails (with a 95 % interval), how many
//! runs a verification needs, whether before and after differ, and the claim in words.

/// z for a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;
/// z for a one-sided 95 % bound.
const Z95_ONE_SIDED: f64 = 1.644_853_626_951_472_2;

/// The Wilson score interval of a failure rate, two-sided 95 %. `None` without runs.
#[must_use]
pub fn wilson_95(failures: u32, runs: u32) -> Option<(f64, f64)> {
    wilson(failures, runs, Z95)
}

fn wilson(failures: u32, runs: u32, z: f64) -> Option<(f64, f64)> {
    if runs == 0 {
        return None;
    }
    let n = f64::from(runs);
    let p = f64::from(failures.min(runs)) / n;
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denominator = 1.0 + z2 / n;
    let lo = if failures == 0 {
        0.0
    } else {
        ((centre - spread) / denominator).max(0.0)
    };
    let hi = if failures >= runs {
        1.0
    } else {
        ((centre + spread) / denominator).min(1.0)
    };
    Some((lo, hi))
}

/// The one-sided 95 % upper bound of a failure rate after `failures` in `runs`.
///
/// With no failures this is the exact (Clopper–Pearson) bound `1 - 0.05^(1/n)`, the "rule of
/// three" in its exact form; otherwise the Wilson score bound. `None` without runs.
#[must_use]
pub(crate) fn failure_rate_upper_95(failures: u32, runs: u32) -> Option<f64> {
    if runs == 0 {
        return None;
    }
    if failures == 0 {
        return Some(1.0 - 0.05_f64.powf(1.0 / f64::from(runs)));
    }
    wilson(failures, runs, Z95_ONE_SIDED).map(|(_, hi)| hi)
}

/// How many runs an unchanged failure rate `p` needs to show at least one failure with
/// probability `confidence`: `ln(1 - confidence) / ln(1 - p)`, rounded up.
#[must_use]
pub fn runs_needed(p: f64, confidence: f64) -> Option<u32> {
    let valid = p > 0.0 && p < 1.0 && confidence > 0.0 && confidence < 1.0;
    if !valid {
        return (p >= 1.0).then_some(1);
    }
    let n = ((1.0 - confidence).ln() / (1.0 - p).ln()).ceil();
    (n.is_finite() && n <= f64::from(u32::MAX))
        .then(|| format!("{n:.0}").parse().unwrap_or(u32::MAX))
}

/// `ln(n!)`, exact by summation for small n, Stirling's series beyond.
fn ln_factorial(n: u64) -> f64 {
    if n < 256 {
        return (2..=n).map(|k| (k as f64).ln()).sum();
    }
    let n = n as f64;
    n * n.ln() - n + 0.5 * (2.0 * std::f64::consts::PI * n).ln() + 1.0 / (12.0 * n)
        - 1.0 / (360.0 * n * n * n)
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
}

/// Fisher's exact test, one-sided: the probability of seeing `after_failures` or fewer failures
/// after, were the failure rate unchanged (failures spread at random over both sets of runs).
/// Small values mean the fix lowered the rate.
#[must_use]
pub(crate) fn fisher_one_sided(
    before_failures: u32,
    before_runs: u32,
    after_failures: u32,
    after_runs: u32,
) -> f64 {
    let (a, n1) = (u64::from(before_failures), u64::from(before_runs));
    let (b, n2) = (u64::from(after_failures), u64::from(after_runs));
    let failures = a + b;
    let total = n1 + n2;
    if total == 0 || failures == 0 {
        return 1.0;
    }
    let denominator = ln_choose(total, failures);
    let lowest = failures.saturating_sub(n1);
    let mut p = 0.0;
    for k in lowest..=b.min(failures) {
        if failures - k > n1 || k > n2 {
            continue;
        }
        p += (ln_choose(n2, k) + ln_choose(n1, failures - k) - denominator).exp();
    }
    p.min(1.0)
}

/// How a flaky verification came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It still fails.
    NotFixed,
    /// It passed every run the statistics asked for.
    Fixed,
    /// It passed every run it got, but the time budget ran out before enough runs.
    Inconclusive { more_runs: u32 },
}

/// The verification rule: every run must pass, and there must be at least `required` of them.
#[must_use]
pub fn verdict(failures: u32, runs: u32, required: u32) -> Verdict {
    if failures > 0 {
        Verdict::NotFixed
    } else if runs >= required {
        Verdict::Fixed
    } else {
        Verdict::Inconclusive {
            more_runs: required - runs,
        }
    }
}

/// How many failures a flaky reproduction is run for. Three give the rate's order of magnitude
/// (its interval is wide, and the report says so), which is all the verification needs: see
/// [`verification_runs`]. More can be asked for when the rate itself matters.
pub const FAILURES_TO_MEASURE: u32 = 3;

/// The chance that an unfixed flaky test is declared fixed, at most: 5 % promised, 4.5 % aimed
/// at, so that the rounding of whole runs and an unlucky measurement stay under the promise.
const FALSE_FIXED: f64 = 0.045;

/// How low the rate may be taken when sizing a verification (a one-sided bound of about 98 %).
const RATE_BOUND_Z: f64 = 2.0;

/// The number of verification runs for a failure that showed `failures` times in `runs`: the
/// measurement's runs times a factor c, at least 3.
///
/// Why: measured until its k-th failure, an unchanged rate p took `runs` ~ the sum of k
/// geometric waits. Verifying with `c · runs` runs, all passing, then happens with probability
/// `F(c, p) = (p·x / (1 − (1 − p)·x))^k` with `x = (1 − p)^c`, which falls as p grows and tends
/// to `(1 / (1 + c))^k` as p goes to 0. So `c∞ = FALSE_FIXED^(−1/k) − 1` is always enough; with
/// k = 3 that is c∞ ≈ 1.81: about 3/p runs to measure and 5.4/p to verify, 8.4/p in all (k = 3
/// needs the fewest) — a sixth of measuring to 50 failures first. Where the measurement shows a
/// high rate even at its lower bound, the smaller c that `F` allows there is used: whole runs
/// otherwise cost most at high rates. `cargo bench --bench stress` simulates it.
#[must_use]
pub fn verification_runs(failures: u32, runs: u32) -> u32 {
    let k = f64::from(failures.max(1));
    let limit = FALSE_FIXED.powf(-1.0 / k) - 1.0;
    let p_low = wilson(failures, runs, RATE_BOUND_Z).map_or(0.0, |(lo, _)| lo);
    let factor = if p_low > 0.0 && p_low < 1.0 {
        // The smallest c in [0, c∞] with F(c, p_low) ≤ FALSE_FIXED (F falls as c grows).
        let (mut lo, mut hi) = (0.0, limit);
        for _ in 0..50 {
            let mid = f64::midpoint(lo, hi);
            if false_fixed(mid, p_low, k) <= FALSE_FIXED {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    } else {
        limit
    };
    let n = (factor * f64::from(runs.max(1))).ceil();
    let n = if n.is_finite() && n < f64::from(u32::MAX) {
        format!("{n:.0}").parse().unwrap_or(u32::MAX)
    } else {
        u32::MAX
    };
    n.max(3)
}

/// The chance that `c · runs` runs all pass at rate `p`, `runs` being the wait for `k` failures.
fn false_fixed(c: f64, p: f64, k: f64) -> f64 {
    let x = (1.0 - p).powf(c);
    (p * x / (1.0 - (1.0 - p) * x)).powf(k)
}

/// `12 %`, `0.4 %`, `0.05 %`.
#[must_use]
pub(crate) fn percent(p: f64) -> String {
    let pct = p * 100.0;
    if pct >= 10.0 || pct == 0.0 {
        format!("{pct:.0} %")
    } else if pct >= 1.0 {
        format!("{pct:.1} %")
    } else {
        format!("{pct:.2} %")
    }
}

/// "failure rate before: 12 % (95 % CI 8–17 %, 300 runs); after: 0 of 240 runs, so below 1.25 %
/// with 95 % confidence".
#[must_use]
pub(crate) fn claim(
    before_failures: u32,
    before_runs: u32,
    after_failures: u32,
    after_runs: u32,
) -> String {
    let before = match wilson_95(before_failures, before_runs) {
        Some((lo, hi)) => format!(
            "failure rate before: {} (95 % CI {}–{}, {before_runs} runs)",
            percent(f64::from(before_failures) / f64::from(before_runs)),
            percent(lo).trim_end_matches(" %"),
            percent(hi)
        ),
        None => "no runs before".into(),
    };
    let after = if after_failures == 0 {
        format!(
            "after: 0 of {after_runs} runs, so below {} with 95 % confidence",
            failure_rate_upper_95(0, after_runs)
                .map_or_else(|| "?".into(), |u| format!("{:.2} %", u * 100.0))
        )
    } else {
        format!(
            "after: {after_failures} of {after_runs} runs failed ({})",
            percent(f64::from(after_failures) / f64::from(after_runs.max(1)))
        )
    };
    format!("{before}; {after}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() < tolerance
    }

    #[test]
    fn zero_failures_follow_the_exact_bound() {
        let three = failure_rate_upper_95(0, 3).unwrap();
        assert!(close(three, 0.631_6, 1e-3), "{three}");
        let many = failure_rate_upper_95(0, 240).unwrap();
        assert!(close(many, 0.012_4, 1e-3), "{many}");
        assert_eq!(failure_rate_upper_95(0, 0), None);
    }

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 → 0.2553–0.3662;
        // 15/148 → 0.0624–0.1605; 0/20 → 0–0.1611; 1/29 → 0.0061–0.1718.
        let (lo, hi) = wilson_95(81, 263).unwrap();
        assert!(
            close(lo, 0.2553, 5e-4) && close(hi, 0.3662, 5e-4),
            "{lo} {hi}"
        );
        let (lo, hi) = wilson_95(15, 148).unwrap();
        assert!(
            close(lo, 0.0624, 5e-4) && close(hi, 0.1605, 5e-4),
            "{lo} {hi}"
        );
        let (lo, hi) = wilson_95(0, 20).unwrap();
        assert!(close(lo, 0.0, 1e-9) && close(hi, 0.1611, 5e-4), "{lo} {hi}");
        let (lo, hi) = wilson_95(1, 29).unwrap();
        assert!(
            close(lo, 0.0061, 5e-4) && close(hi, 0.1718, 5e-4),
            "{lo} {hi}"
        );
    }

    #[test]
    fn runs_needed_is_the_geometric_bound() {
        // 0.9^5 ≈ 0.59: five passes miss a 10 % flake more than half the time; 29 runs are needed.
        assert_eq!(runs_needed(0.10, 0.95), Some(29));
        assert_eq!(runs_needed(0.50, 0.95), Some(5));
        assert_eq!(runs_needed(0.01, 0.95), Some(299));
        assert_eq!(runs_needed(0.0, 0.95), None);
        assert_eq!(runs_needed(1.0, 0.95), Some(1));
    }

    #[test]
    fn fisher_matches_published_values() {
        // Fisher's tea-tasting experiment: 3 of 4 right; one-sided p = 17/70 ≈ 0.2429.
        let p = fisher_one_sided(3, 4, 1, 4);
        assert!(close(p, 17.0 / 70.0, 1e-9), "{p}");
        // 36 of 300 before, 0 of 240 after: overwhelming evidence of a change.
        assert!(fisher_one_sided(36, 300, 0, 240) < 1e-9);
        // 1 of 10 before, 0 of 10 after: no evidence.
        assert!(fisher_one_sided(1, 10, 0, 10) > 0.4);
    }

    #[test]
    fn verdicts_and_claims() {
        assert_eq!(verdict(1, 500, 30), Verdict::NotFixed);
        assert_eq!(verdict(0, 30, 30), Verdict::Fixed);
        assert_eq!(verdict(0, 10, 30), Verdict::Inconclusive { more_runs: 20 });
        // Three failures in 3,000 runs: a low rate, 1.81 times the runs, all passing.
        assert_eq!(verification_runs(3, 3000), 5432);
        // A higher rate's lower bound allows a smaller multiple: 3 in 30, 3 in 6.
        assert_eq!(verification_runs(3, 30), 52);
        assert_eq!(verification_runs(3, 6), 9);
        // More failures measure the rate better, and a smaller multiple does.
        assert_eq!(verification_runs(50, 400), 25);
        assert_eq!(verification_runs(1, 20), 389);
        assert_eq!(verification_runs(3, 1), 3, "at least 3");
        assert_eq!(
            claim(36, 300, 0, 240),
            "failure rate before: 12 % (95 % CI 8.8–16 %, 300 runs); after: 0 of 240 runs, so \
             below 1.24 % with 95 % confidence"
        );
    }
}
