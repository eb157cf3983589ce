#!/bin/sh
# Honest: clamp fixed and the gauge given named bounds (two files).
# Clamp fixed, and the gauge gets named bounds instead of literals.
set -eu
cd "$FIXLOOP_WORKDIR"
sed -i 's|  return value < low ? low : value;|  return value < low ? low : value > high ? high : value;|' lib/scale.js
cat > lib/gauge.js <<'EOF'
"use strict";
// What a gauge shows: a reading as a whole percentage of its full scale, 0 to 100.

const scale = require("./scale");

const EMPTY = 0;
const FULL = 100;

function percent(reading, fullScale) {
  return scale.clamp(Math.round((reading / fullScale) * FULL), EMPTY, FULL);
}

module.exports = { percent };
EOF
