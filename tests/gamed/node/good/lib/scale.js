"use strict";
// Bounding and scaling of meter readings.

/** `value` held inside [low, high]. */
function clamp(value, low, high) {
  if (value < low) return low;
  if (value > high) return high;
  return value;
}

module.exports = { clamp };
