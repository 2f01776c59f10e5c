/**
 * Shared by the SimpleHTTPRequestHandler tests that serve the fixture tree
 * (simple-handler.test.ts, file-response.test.ts): the tree, the servers,
 * the log capture, and raw one-request exchanges.
 *
 * Strategy: `fileServerSuite()` registers the file's `before`/`after` hooks:
 * the tree of test/fixtures/file-tree.ts (every mtime fixed in 2023) is built
 * once per file and removed with every server `start()` made after the last
 * test. Requests say `Connection: close`, so `exchange` ends with the
 * server's close, and the conformance parser splits what comes back.
 */

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { exchange, LogCapture, serve, type Running } from "../helpers/net.js";
import { buildFileTree, FIXED_MTIME_S, type FileTree } from "../fixtures/file-tree.js";
import { parseResponses, type Resp } from "../conformance/files-side-by-side.js";
import { servingDir as servingDirOf } from "../helpers/handlers.js";

export const MTIME_HEX = (FIXED_MTIME_S * 1000).toString(16);
/** The ETag of the 10-byte fixture file `ten.txt`. */
export const TEN_ETAG = `W/"a-${MTIME_HEX}"`;
export const TEN = "0123456789";

export type HandlerClass = typeof SimpleHTTPRequestHandler;

/** A handler class serving `directory` (the constructor option, as Python's `partial`). */
export function servingDir(directory: string): HandlerClass {
  return servingDirOf(directory, SimpleHTTPRequestHandler, "HTTP/1.1");
}

/** An HTTP/1.1 request asking the server to close after answering. */
export function req(method: string, target: string, headers: string[] = []): string {
  return `${method} ${target} HTTP/1.1\r\nHost: x\r\n${headers.map((h) => h + "\r\n").join("")}Connection: close\r\n\r\n`;
}

/** Sends one request and returns its one response. */
export async function fetch1(port: number, method: string, target: string, headers: string[] = []): Promise<Resp & { raw: Buffer }> {
  const raw = await exchange(port, req(method, target, headers));
  const rs = parseResponses(raw, method === "HEAD");
  assert.equal(rs.length, 1, `one response to ${method} ${target}; got ${JSON.stringify(raw.toString("latin1").slice(0, 300))}`);
  assert.ok(rs[0]!.complete, `${method} ${target}: the body arrived`);
  return { ...rs[0]!, raw };
}

/** The field names of a response, in order. */
export const names = (r: Resp): string[] => r.headers.map(([n]) => n);

export interface FileServerSuite {
  readonly log: LogCapture;
  /** The fixture tree (built by the `before` hook). */
  readonly tree: FileTree;
  /** Serves `Handler` on loopback until the file's last test; resolves with its port. */
  start(Handler: HandlerClass): Promise<number>;
}

/** Registers the file's hooks; see the strategy above. */
export function fileServerSuite(): FileServerSuite {
  const log = new LogCapture();
  const running: Running<any>[] = [];
  let tree: FileTree | undefined;
  before(async () => {
    log.start();
    tree = await buildFileTree({ big: false });
  });
  after(async () => {
    try {
      await Promise.allSettled(running.map((r) => r.close()));
      await tree?.remove();
    } finally {
      log.stop();
    }
  });
  return {
    log,
    get tree(): FileTree {
      assert.ok(tree !== undefined, "the fixture tree is built by the before hook");
      return tree;
    },
    async start(Handler) {
      const r = await serve(Handler);
      running.push(r);
      return r.port;
    },
  };
}
