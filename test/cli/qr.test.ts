/**
 * `--qr`'s terminal QR code: the URL's modules, drawn for a terminal or a pipe.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import QRCode from "qrcode";
import { terminalQr } from "../../src/cli/qr.js";

test("terminalQr() draws the URL's QR modules, with or without a terminal", async () => {
  const url = "http://192.168.1.5:8000/Zm9vYmFyYmF6cXV4cXV1eA/";
  const size = QRCode.create(url, { errorCorrectionLevel: "M" }).modules.size;
  const plain = await terminalQr(url, false);
  const lines = plain.replace(/\n$/, "").split("\n");
  // Two module rows per text line, a margin of two modules each side.
  assert.equal(lines.length, Math.ceil((size + 4) / 2));
  assert.ok(lines.every((l) => [...l].length === size + 4), "line width");
  assert.doesNotMatch(plain, /\x1b\[/);
  const tty = await terminalQr(url, true);
  assert.match(tty, /\x1b\[/);
  assert.notEqual(await terminalQr("http://192.168.1.6:8000/", false), plain);
});
