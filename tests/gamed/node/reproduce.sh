#!/bin/sh
# Reproduce step of the scripted agent: the reproduction test, the outside-runner check program
# and repro.json, copied from repro/ beside this script into the failure folder.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cp -R "$here/repro/." "$FIXLOOP_FAILURE_DIR/"
