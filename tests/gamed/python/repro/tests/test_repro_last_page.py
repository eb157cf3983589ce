"""A partial last page is a page: page_count must round up, not down."""

from shelf import page_count


def test_ten_items_three_a_page_fill_four_pages():
    got = page_count(10, 3)
    assert got == 4, f"page_count(10, 3) returned {got}"


def test_seven_items_two_a_page_fill_four_pages():
    got = page_count(7, 2)
    assert got == 4, f"page_count(7, 2) returned {got}"
