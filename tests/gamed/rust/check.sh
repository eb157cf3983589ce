#!/bin/sh
# Check step of the scripted agent (post-fix tests): a session that never saw the fix writes
# tests of the same behaviour with inputs of its own, from postfix/ beside this script.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cp -R "$here/postfix/." "$FIXLOOP_FAILURE_DIR/"
