"use strict";

const { clamp } = require("./scale");
const { percent } = require("./gauge");

module.exports = { clamp, percent };
