/**
 * `http.server --hash-password`: reads a password and prints a salted scrypt
 * hash for `--auth USER:HASH`, so the password itself need not sit in shell
 * history or a process list.
 *
 * Strategy: on a terminal, prompt twice on stderr with echo off (raw mode,
 * reading up to Enter; Ctrl-C or Ctrl-D cancels) and require both to agree;
 * otherwise read all of stdin and drop one trailing newline (`printf` or
 * `echo` piped in). The hash goes to stdout alone, so
 * `--auth "alice:$(http.server --hash-password)"` works.
 */

import type { Readable } from "node:stream";
import { hashPassword } from "../static/auth.js";

/** Where the helper reads and writes. */
export interface HashPasswordIO {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Reads one line from a terminal without echoing it; `null` when cancelled. */
function promptHidden(io: HashPasswordIO, prompt: string): Promise<string | null> {
  const { stdin } = io;
  io.stderr.write(prompt);
  stdin.setRawMode?.(true);
  stdin.resume();
  return new Promise((resolve) => {
    let text = "";
    const done = (value: string | null): void => {
      stdin.off("data", onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write("\n");
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done(text);
        if (ch === "\u0003" || ch === "\u0004") return done(null);
        if (ch === "\u007f" || ch === "\b") text = Array.from(text).slice(0, -1).join("");
        else text += ch;
      }
    };
    stdin.on("data", onData);
  });
}

/** Reads all of a non-terminal stdin, without one trailing newline. */
async function readAll(stdin: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stdin) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts).toString("utf8").replace(/\r?\n$/, "");
}

/** Runs the helper; resolves to the exit status (0, or 1 with a message on stderr). */
export async function hashPasswordMain(io: HashPasswordIO): Promise<number> {
  let password: string | null;
  if (io.stdin.isTTY === true) {
    password = await promptHidden(io, "Password: ");
    const again = password === null || password === "" ? password : await promptHidden(io, "Repeat password: ");
    if (password !== null && again !== password) {
      io.stderr.write("http.server: error: the passwords differ\n");
      return 1;
    }
  } else {
    password = await readAll(io.stdin);
  }
  if (password === null || password === "") {
    io.stderr.write("http.server: error: no password given\n");
    return 1;
  }
  io.stdout.write((await hashPassword(password)) + "\n");
  return 0;
}
