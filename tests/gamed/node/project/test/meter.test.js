"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { clamp, percent } = require("../lib");

test("clamp keeps values inside the range", () => {
  assert.equal(clamp(5, 0, 10), 5);
  assert.equal(clamp(-3, 0, 10), 0);
});

test("a full gauge shows 100", () => {
  assert.equal(percent(50, 200), 25);
  assert.equal(percent(240, 200), 100);
});
