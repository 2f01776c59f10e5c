/**
 * End-to-end protocol strictness (issue #6): every row of strictness-cases.ts
 * sent over a raw socket to a real server on 127.0.0.1.
 *
 * Strategy: the handler reads the whole body (so framing errors surface as
 * they would in a real handler) and answers 200 with `METHOD path body-length`.
 * For each row we assert the exact status line of every response, that no
 * response is for `/smuggled`, and the connection: a row that `closes` must be
 * closed by the server itself (the client never half-closes); any other row
 * half-closes after sending, and every response must have come back first.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { exchange, serve, type Running } from "../helpers/net.js";
import { BodyEcho, CASES, statusLines } from "./strictness-cases.js";

let running: Running<never>;
before(async () => {
  running = (await serve(BodyEcho)) as unknown as Running<never>;
});
after(async () => {
  await running.close();
});

for (const c of CASES) {
  test(`server answers ${c.group}: ${c.name} with ${c.want.join(", ")}${c.closes ? " and closes" : ""}`, async () => {
    const raw = await exchange(running.port, Buffer.from(c.send, "latin1"), { end: !c.closes });
    const text = raw.toString("latin1");
    assert.deepEqual(statusLines(raw), c.want, `got ${JSON.stringify(text.slice(0, 300))}`);
    assert.doesNotMatch(text, /\/smuggled/, "a hidden request was answered");
    if (c.closes) {
      // The server closed by itself (exchange() resolves only on close) and said so.
      assert.match(text, /\r\nConnection: close\r\n/i);
    } else {
      assert.doesNotMatch(text, /\r\nConnection: close\r\n/i);
      // Every answered request was read in full: its body length is in the reply.
      assert.equal((text.match(/^(GET|POST) \S+ \d+$/gm) ?? []).length, c.want.length);
    }
  });
}
