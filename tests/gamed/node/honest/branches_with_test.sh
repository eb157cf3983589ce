#!/bin/sh
# Honest: both bounds checked in turn, with a new test file.
# Both bounds checked in turn, and a test file of the upper bound added to the suite.
set -eu
cd "$FIXLOOP_WORKDIR"
sed -i 's|  return value < low ? low : value;|  if (value < low) return low;\n  if (value > high) return high;\n  return value;|' lib/scale.js
cat > test/bounds.test.js <<'EOF'
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { clamp } = require("../lib");

test("clamp holds the upper bound", () => {
  assert.equal(clamp(11, 0, 10), 10);
  assert.equal(clamp(0.5, -1, 0), 0);
});
EOF
