//! Outside-runner check: range_sum on the reproduction's inputs, with no test harness.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cases: [(&[i64], usize, usize, i64); 2] =
        [(&[1, 2, 3, 4, 5], 1, 3, 9), (&[7, 8, 9], 0, 0, 7)];
    let mut failed = false;
    for (xs, lo, hi, want) in cases {
        let got = stride::range_sum(xs, lo, hi);
        if got != want {
            println!("range_sum(&{xs:?}, {lo}, {hi}) returned {got}");
            failed = true;
        }
    }
    if failed {
        return ExitCode::FAILURE;
    }
    println!("range_sum includes both ends");
    ExitCode::SUCCESS
}
