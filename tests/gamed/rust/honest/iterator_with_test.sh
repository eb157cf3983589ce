#!/bin/sh
# Honest: skip/take over the series, with a new test file.
# Skip/take over the series, and a test file of a range ending at the last element added to the
# suite.
set -eu
cd "$FIXLOOP_WORKDIR"
sed -i 's|    xs\[lo..hi\].iter().sum()|    assert!(lo <= hi \&\& hi < xs.len(), "range {lo}..={hi} out of bounds");\n    xs.iter().skip(lo).take(hi - lo + 1).sum()|' src/sum.rs
cat > tests/last_element.rs <<'EOF'
use stride::range_sum;

#[test]
fn a_range_ending_at_the_last_element() {
    assert_eq!(range_sum(&[1, 10, 100], 1, 2), 110);
}
EOF
