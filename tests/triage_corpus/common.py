"""Shared by the corpus generators: how a case is written, and how a runner is run."""

import json
import os
import subprocess
import textwrap
from pathlib import Path


class Unavailable(Exception):
    """The runner (or what it needs) is not installed here: say why, never fake its output."""


def run(command, cwd, timeout=300, env=None):
    """Runs `command` (a shell string) in `cwd`, stdout and stderr merged as a CI log shows them.

    Returns (exit code, text)."""
    full_env = dict(os.environ)
    # Output as a CI machine prints it: no colours, no terminal.
    full_env.update({"NO_COLOR": "1", "FORCE_COLOR": "0", "CI": "true", "TERM": "dumb"})
    full_env.pop("RUST_BACKTRACE", None)
    if env:
        full_env.update(env)
    done = subprocess.run(
        ["sh", "-c", command + " 2>&1"],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        env=full_env,
    )
    return done.returncode, done.stdout.decode("utf-8", "replace")


def write_case(outdir, runner, shape, *, command, exit_code, log, truth_source, failing, markers=None):
    """One case: `<runner>/<shape>.log` and `<runner>/<shape>.json`."""
    if not failing:
        raise AssertionError(f"{runner} {shape}: the truth names no failing test")
    folder = Path(outdir) / runner
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{shape}.log").write_text(log)
    case = {
        "runner": runner,
        "shape": shape,
        "command": command,
        "exit_code": exit_code,
        "truth_source": truth_source,
        "failing": sorted(set(failing)),
        "markers": markers or {},
    }
    (folder / f"{shape}.json").write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n")


def markers_of(table, failing, log, where):
    """The markers of `table` whose test fails; each must be in the log, or the case is wrong."""
    markers = {test: text for test, text in table.items() if test in failing}
    for test, text in markers.items():
        if text not in log:
            raise AssertionError(f"{where}: the marker {text!r} of {test} is not in the log:\n{log}")
    return markers


def write_tree(root, files):
    """A project's files from `{path: text}`, the text dedented."""
    for name, text in files.items():
        path = Path(root) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
