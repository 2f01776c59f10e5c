/**
 * `--hash-password` in process: the terminal prompt (raw mode, no echo,
 * asked twice, backspace, Ctrl-C) with a fake TTY, and piped input.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { hashPasswordMain, type HashPasswordIO } from "../../src/cli/hash-password.js";
import { Authenticator } from "../../src/static/auth.js";

/** A fake terminal that types `keys` (one string per prompt) once raw mode is on. */
function tty(keys: string[]): { io: HashPasswordIO; out: () => string; err: () => string; rawModes: boolean[] } {
  const stdin = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (raw: boolean) => void };
  const rawModes: boolean[] = [];
  stdin.isTTY = true;
  stdin.setRawMode = (raw: boolean) => {
    rawModes.push(raw);
    const next = raw ? keys.shift() : undefined;
    if (next !== undefined) setImmediate(() => stdin.write(next));
  };
  let out = "";
  let err = "";
  return {
    io: { stdin, stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } },
    out: () => out,
    err: () => err,
    rawModes,
  };
}

test("on a terminal: asked twice without echo; backspace edits; the hash verifies", async () => {
  const t = tty(["pa\u007fsw0rd!\r", "psw0rd!\r"]);
  assert.equal(await hashPasswordMain(t.io), 0);
  assert.equal(t.err(), "Password: \nRepeat password: \n", "prompts only: nothing typed is echoed");
  assert.deepEqual(t.rawModes, [true, false, true, false]);
  const a = new Authenticator([`u:${t.out().trim()}`]);
  assert.equal(await a.verify("u", "psw0rd!"), true);
});

test("on a terminal: two different passwords, or Ctrl-C, exit 1 with one line", async () => {
  const differ = tty(["one\r", "two\r"]);
  assert.equal(await hashPasswordMain(differ.io), 1);
  assert.match(differ.err(), /error: the passwords differ\n$/);
  assert.equal(differ.out(), "");
  const cancelled = tty(["abc\u0003"]);
  assert.equal(await hashPasswordMain(cancelled.io), 1);
  assert.match(cancelled.err(), /error: no password given\n$/);
});

test("piped: all of stdin, one trailing newline dropped, inner newlines and spaces kept", async () => {
  const stdin = new PassThrough();
  let out = "";
  const done = hashPasswordMain({ stdin, stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true } });
  stdin.end(" two\nlines \n");
  assert.equal(await done, 0);
  const a = new Authenticator([`u:${out.trim()}`]);
  assert.equal(await a.verify("u", " two\nlines "), true);
});
