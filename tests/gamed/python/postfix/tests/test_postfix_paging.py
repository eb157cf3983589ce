"""Post-fix tests: the same behaviour as the reproduction, on inputs of their own."""

from shelf.listing import pages
from shelf.paging import page_count


def test_every_remainder_adds_one_page():
    for total, per_page, want in [(11, 3, 4), (5, 4, 2), (99, 10, 10), (1, 50, 1), (301, 100, 4)]:
        got = page_count(total, per_page)
        assert got == want, f"page_count({total}, {per_page}) returned {got}"


def test_exact_multiples_add_no_page():
    assert page_count(12, 4) == 3
    assert page_count(0, 3) == 0


def test_pages_keep_every_item():
    items = list(range(23))
    chunks = pages(items, 5)
    assert [item for chunk in chunks for item in chunk] == items
    assert [len(chunk) for chunk in chunks] == [5, 5, 5, 5, 3]
