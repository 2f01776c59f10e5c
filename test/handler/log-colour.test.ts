/**
 * `log-colour.ts`: CPython 3.15's colour decision (`_colorize.can_colorize`,
 * gh-146292) and the coloured line, which is the plain one plus escape codes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { ANSI, canColourize, colourRequest, statusColour } from "../../src/handler/log-colour.js";

test("canColourize() follows PYTHON_COLORS, NO_COLOR, FORCE_COLOR, TERM and the terminal, in that order", () => {
  const rows: [Record<string, string>, boolean, boolean][] = [
    [{}, true, true],
    [{}, false, false],
    [{ PYTHON_COLORS: "0" }, true, false],
    [{ PYTHON_COLORS: "1" }, false, true],
    [{ PYTHON_COLORS: "1", NO_COLOR: "1" }, false, true],
    [{ NO_COLOR: "1" }, true, false],
    [{ NO_COLOR: "" }, true, true],
    [{ NO_COLOR: "1", FORCE_COLOR: "1" }, true, false],
    [{ FORCE_COLOR: "1" }, false, true],
    [{ FORCE_COLOR: "" }, false, false],
    [{ TERM: "dumb" }, true, false],
    [{ TERM: "dumb", FORCE_COLOR: "1" }, false, true],
    [{ PYTHON_COLORS: "2" }, false, false],
  ];
  for (const [env, isTTY, want] of rows) assert.equal(canColourize({ env, isTTY }), want, `${JSON.stringify(env)} tty=${isTTY}`);
});

test("colourRequest() only adds escape codes to the plain message", () => {
  const line = colourRequest("GET /a HTTP/1.1", "404", "-");
  assert.equal(line.replace(/\x1b\[\d+m/g, ""), '"GET /a HTTP/1.1" 404 -');
  assert.ok(line.includes(`${ANSI.YELLOW}404${ANSI.RESET}`));
  assert.ok(line.includes(`${ANSI.CYAN}/a${ANSI.RESET}`));
  assert.equal(statusColour(200), ANSI.GREEN);
  assert.equal(statusColour(301), ANSI.INTENSE_CYAN);
  assert.equal(statusColour(503), ANSI.RED);
  assert.equal(statusColour(100), ANSI.RESET);
});
