#!/bin/sh
# Honest: rounds up with divmod, with a new test file.
# Rounds up with divmod, and adds a test file of partial pages to the suite.
set -eu
cd "$FIXLOOP_WORKDIR"
sed -i 's|    return total // per_page$|    whole, rest = divmod(total, per_page)\n    return whole + (1 if rest else 0)|' shelf/paging.py
cat > tests/test_partial_pages.py <<'EOF'
from shelf import page_count


def test_partial_pages_count():
    assert page_count(1, 10) == 1
    assert page_count(21, 10) == 3
    assert page_count(29, 10) == 3
EOF
