"use strict";
// Outside-runner check: clamp on the reproduction's inputs, with no test framework.
const path = require("node:path");
const { clamp } = require(path.join(__dirname, "..", "lib", "index.js"));

let failed = false;
for (const [value, low, high, want] of [
  [15, 0, 10, 10],
  [-1, -10, -5, -5],
]) {
  const got = clamp(value, low, high);
  if (got !== want) {
    console.log(`clamp(${value}, ${low}, ${high}) returned ${got}`);
    failed = true;
  }
}
if (!failed) console.log("clamp holds the upper bound");
process.exitCode = failed ? 1 : 0;
