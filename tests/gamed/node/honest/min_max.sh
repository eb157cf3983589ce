#!/bin/sh
# Honest: clamp as Math.min of Math.max.
# Clamp as Math.min of Math.max.
set -eu
cd "$FIXLOOP_WORKDIR"
sed -i 's|  return value < low ? low : value;|  return Math.min(Math.max(value, low), high);|' lib/scale.js
