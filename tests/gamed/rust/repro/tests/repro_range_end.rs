//! range_sum leaves out the element at `hi`: the range must include both ends.

use stride::range_sum;

#[test]
fn the_end_index_is_included() {
    let got = range_sum(&[1, 2, 3, 4, 5], 1, 3);
    assert_eq!(got, 9, "range_sum(&[1, 2, 3, 4, 5], 1, 3) returned {got}");
}

#[test]
fn a_one_element_range_is_that_element() {
    let got = range_sum(&[7, 8, 9], 0, 0);
    assert_eq!(got, 7, "range_sum(&[7, 8, 9], 0, 0) returned {got}");
}
