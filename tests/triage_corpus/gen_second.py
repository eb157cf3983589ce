"""A second, held-out set of triage cases: other projects, other domains, other output shapes.

The first corpus (gen_python, gen_native, gen_js, gen_ruby) was written beside fixloop's triage;
this one was written without reading how triage parses output, to check that it generalises. Each
generator builds a different small project in a fresh temporary folder, runs the runner in 2-4
output shapes a CI job shows, and takes the truth from the runner's own machine-readable result
(JUnit XML, JSON, `-json`, or the runner's API). Cases go under the plain runner name ("pytest",
"cargo", ...) with shapes prefixed "second-", so that they merge with the first corpus.

See README.md beside this file for the contract and the test-id conventions.
"""

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from common import Unavailable, run, write_case

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "js" / "node_modules"
PYTHON = sys.executable or "python3"


# --------------------------------------------------------------------------------------------
# helpers


def _write_tree(root, files):
    for name, text in files.items():
        path = Path(root) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


def _case(outdir, runner, shape, *, command, exit_code, log, truth_source, failing, markers, expect=None):
    """write_case, once the case is checked: the run failed, each marker (for a test the truth
    lists) is in the log, and, if `expect` is given, the truth is exactly that set."""
    where = f"{runner} {shape}"
    if exit_code == 0:
        raise AssertionError(f"{where}: `{command}` passed; its suite has failing tests\n{log}")
    failing = sorted(set(failing))
    if expect is not None and set(expect) != set(failing):
        raise AssertionError(
            f"{where}: the truth is not the expected set\n"
            f"  missing: {sorted(set(expect) - set(failing))}\n"
            f"  extra:   {sorted(set(failing) - set(expect))}\n{log}"
        )
    chosen = {test: text for test, text in markers.items() if test in failing}
    if not chosen:
        raise AssertionError(f"{where}: no marker names a failing test: {failing}")
    for test, text in chosen.items():
        if text not in log:
            raise AssertionError(f"{where}: marker {text!r} of {test!r} is not in the log\n{log}")
    write_case(
        outdir,
        runner,
        "second-" + shape,
        command=command,
        exit_code=exit_code,
        log=log,
        truth_source=truth_source,
        failing=failing,
        markers=chosen,
    )


class _Tree:
    """A fresh temporary folder holding `files`; removed on exit."""

    def __init__(self, prefix, files):
        self.prefix = prefix
        self.files = files

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix=f"fixloop-second-{self.prefix}-")
        self.root = Path(self._tmp.name)
        _write_tree(self.root, self.files)
        return self

    def __exit__(self, *exc):
        self._tmp.cleanup()

    def path(self, rel):
        return self.root / rel

    def remove(self, rel):
        p = self.root / rel
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()

    def read(self, rel):
        p = self.root / rel
        if not p.exists():
            raise AssertionError(f"the runner wrote no {rel} in {self.root}")
        return p.read_text()

