"use strict";
// Bounding and scaling of meter readings.

/** `value` held inside [low, high]. */
function clamp(value, low, high) {
  return value < low ? low : value;
}

module.exports = { clamp };
