// Parse a GIFT file with the independent gift-pegjs parser and print its questions as JSON.
// Usage: node parse_gift.js FILE.gift.txt   (exit 1 with the parser's message on a syntax error)
"use strict";
const fs = require("fs");
const { parse } = require("gift-pegjs");

try {
  const questions = parse(fs.readFileSync(process.argv[2], "utf8"));
  process.stdout.write(JSON.stringify(questions));
} catch (err) {
  const at = err.location ? ` at line ${err.location.start.line}, column ${err.location.start.column}` : "";
  process.stderr.write(`gift-pegjs: ${err.message}${at}\n`);
  process.exit(1);
}
