import pytest

from shelf import page_count, page_of, pages


def test_exact_multiples():
    assert page_count(9, 3) == 3
    assert page_count(0, 5) == 0


def test_pages_keep_the_last_partial_page():
    assert pages(range(5), 2) == [[0, 1], [2, 3], [4]]


def test_page_of_is_one_based():
    assert page_of(0, 10) == 1
    assert page_of(10, 10) == 2


def test_per_page_must_be_positive():
    with pytest.raises(ValueError):
        page_count(3, 0)
