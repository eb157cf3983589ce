"""Outside-runner check: page_count on the reproduction's inputs, with no test framework."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from shelf import page_count  # noqa: E402

failed = False
for total, per_page, want in [(10, 3, 4), (7, 2, 4)]:
    got = page_count(total, per_page)
    if got != want:
        print(f"page_count({total}, {per_page}) returned {got}")
        failed = True
if not failed:
    print("page_count rounds partial pages up")
sys.exit(1 if failed else 0)
