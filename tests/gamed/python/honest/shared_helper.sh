#!/bin/sh
# Honest: a ceil_div helper module, and pages() cut by stepping (two files).
# A ceiling-division helper in its own module, used by page_count, and pages() cut by stepping
# through the items instead of counting pages first.
set -eu
cd "$FIXLOOP_WORKDIR"
cat > shelf/arith.py <<'EOF'
"""Integer arithmetic shared by the paging code."""


def ceil_div(numerator, denominator):
    """numerator / denominator rounded up, for a positive denominator."""
    return (numerator + denominator - 1) // denominator
EOF
cat > shelf/paging.py <<'EOF'
"""Page arithmetic; a partial last page is still a page."""

from shelf.arith import ceil_div


def page_count(total, per_page):
    """The number of pages `total` items fill at `per_page` items a page."""
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    return ceil_div(total, per_page)


def page_of(index, per_page):
    """The 1-based page that holds the item at 0-based `index`."""
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    return index // per_page + 1
EOF
cat > shelf/listing.py <<'EOF'
"""A listing cut into pages."""


def pages(items, per_page):
    """`items` cut into pages of `per_page`, in order."""
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    items = list(items)
    return [items[start : start + per_page] for start in range(0, len(items), per_page)]
EOF
