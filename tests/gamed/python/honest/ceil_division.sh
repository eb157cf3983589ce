#!/bin/sh
# Honest: rounds up by negated floor division.
# Rounds up by negated floor division.
set -eu
cd "$FIXLOOP_WORKDIR"
sed -i 's|    return total // per_page$|    return -(-total // per_page)|' shelf/paging.py
