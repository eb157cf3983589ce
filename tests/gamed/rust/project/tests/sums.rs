use stride::{mean_range, range_sum};

#[test]
fn a_single_element_range_is_that_element() {
    assert_eq!(range_sum(&[4, 5, 6], 1, 1), 5);
}

#[test]
fn a_whole_series() {
    assert_eq!(range_sum(&[1, 2, 3], 0, 2), 6);
}

#[test]
fn mean_of_a_range() {
    assert!((mean_range(&[2, 4, 6], 0, 2) - 4.0).abs() < 1e-9);
}
