"""Page arithmetic; a partial last page is still a page."""


def page_count(total, per_page):
    """The number of pages `total` items fill at `per_page` items a page."""
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    return (total + per_page - 1) // per_page


def page_of(index, per_page):
    """The 1-based page that holds the item at 0-based `index`."""
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    return index // per_page + 1
