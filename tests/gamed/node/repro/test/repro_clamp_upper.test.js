"use strict";
// clamp ignores the upper bound: a value above `high` comes back unchanged.
const test = require("node:test");
const assert = require("node:assert/strict");
const { clamp } = require("../lib");

test("a value above the range is held to its upper bound", () => {
  const got = clamp(15, 0, 10);
  assert.equal(got, 10, `clamp(15, 0, 10) returned ${got}`);
});

test("a negative range holds its upper bound too", () => {
  const got = clamp(-1, -10, -5);
  assert.equal(got, -5, `clamp(-1, -10, -5) returned ${got}`);
});
