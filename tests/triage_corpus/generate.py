"""Writes the triage corpus: real runners' output on small suites with known failures, and the
truth from each runner's machine-readable result. See README.md beside this file.

usage: python3 generate.py OUTDIR [RUNNER ...]
"""

import json
import os
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Unavailable  # noqa: E402

GENERATORS = {}
for module in ("gen_python", "gen_native", "gen_js", "gen_ruby", "gen_second"):
    try:
        GENERATORS.update(__import__(module).RUNNERS)
    except ModuleNotFoundError as e:
        if e.name != module:
            raise


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = Path(sys.argv[1])
    outdir.mkdir(parents=True, exist_ok=True)
    wanted = sys.argv[2:] or list(GENERATORS)
    unknown = [r for r in wanted if r not in GENERATORS]
    if unknown:
        print(f"unknown runner(s): {', '.join(unknown)}; known: {', '.join(GENERATORS)}", file=sys.stderr)
        return 2
    unavailable = {}
    failed = False
    for runner in wanted:
        try:
            GENERATORS[runner](outdir)
        except Unavailable as why:
            unavailable[runner] = str(why)
        except Exception:  # noqa: BLE001 - a broken generator is reported, the others still run
            failed = True
            print(f"{runner}: the generator failed:", file=sys.stderr)
            traceback.print_exc()
    (outdir / "unavailable.json").write_text(json.dumps(unavailable, indent=2) + "\n")
    for runner, why in unavailable.items():
        print(f"{runner}: not available here: {why}", file=sys.stderr)
    if unavailable and os.environ.get("FIXLOOP_REQUIRE_RUNNERS") == "1":
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
