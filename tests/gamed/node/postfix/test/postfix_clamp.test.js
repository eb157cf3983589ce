"use strict";
// Post-fix tests: the same behaviour as the reproduction, on inputs of their own.
const test = require("node:test");
const assert = require("node:assert/strict");
const { clamp } = require("../lib/scale");
const { percent } = require("../lib/gauge");

test("values above the range are held to its upper bound", () => {
  for (const [value, low, high, want] of [
    [101, 1, 100, 100],
    [7.5, 0, 7, 7],
    [1000, 0, 10, 10],
    [3, 0, 10, 3],
  ]) {
    const got = clamp(value, low, high);
    assert.equal(got, want, `clamp(${value}, ${low}, ${high}) returned ${got}`);
  }
});

test("a gauge never shows more than 100", () => {
  assert.equal(percent(250, 100), 100);
  assert.equal(percent(1, 4), 25);
});
