"""A listing cut into pages."""

from shelf import paging


def pages(items, per_page):
    """`items` cut into pages of `per_page`, in order."""
    items = list(items)
    return [
        items[number * per_page : (number + 1) * per_page]
        for number in range(paging.page_count(len(items), per_page))
    ]
