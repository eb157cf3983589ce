#!/bin/sh
# Honest, two files: a ceiling-division helper in its own module, used by page_count, and
# pages() cut by stepping through the items instead of counting pages first.
set -eu
cd "$FIXLOOP_WORKDIR"
cat > shelf/arith.py <<'EOF'
"""Integer arithmetic shared by the paging code."""


def ceil_div(numerator, denominator):
    """numerator / denominator rounded up, for a positive denominator."""
    return (numerator + denominator - 1) // denominator
EOF
sed -i 's|    return total // per_page|    return ceil_div(total, per_page)|' shelf/paging.py
sed -i 's|^"""Page arithmetic; a partial last page is still a page."""$|&\n\nfrom shelf.arith import ceil_div|' shelf/paging.py
cat > shelf/listing.py <<'EOF'
"""A listing cut into pages."""


def pages(items, per_page):
    """`items` cut into pages of `per_page`, in order."""
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    items = list(items)
    return [items[start : start + per_page] for start in range(0, len(items), per_page)]
EOF
