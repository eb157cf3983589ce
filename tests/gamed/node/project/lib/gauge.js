"use strict";
// What a gauge shows: a reading as a whole percentage of its full scale, 0 to 100.

const scale = require("./scale");

function percent(reading, fullScale) {
  return scale.clamp(Math.round((reading / fullScale) * 100), 0, 100);
}

module.exports = { percent };
