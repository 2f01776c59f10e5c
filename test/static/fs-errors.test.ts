/**
 * `toHttpError()`: every file-system error a lookup can meet maps to one
 * status and a fixed message (CPython's for the 404s), never the error's text.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { NotServable, outOfDescriptors, toHttpError } from "../../src/static/fs-errors.js";

const errno = (code: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: open '/srv/www/private/key'`), { code, path: "/srv/www/private/key" });

const ROWS: { error: unknown; status: number; why: string }[] = [
  { error: errno("ENOENT"), status: 404, why: "missing" },
  { error: errno("ENOTDIR"), status: 404, why: "a file used as a directory (/file.txt/x)" },
  { error: errno("ELOOP"), status: 404, why: "a symlink loop" },
  { error: errno("ENAMETOOLONG"), status: 404, why: "a name too long" },
  { error: errno("EINVAL"), status: 404, why: "a name the file system refuses" },
  { error: errno("EISDIR"), status: 404, why: "a directory where a file was wanted" },
  { error: errno("ENXIO"), status: 404, why: "a device or socket without a reader" },
  { error: errno("EACCES"), status: 404, why: "permission denied: CPython's 404" },
  { error: errno("EPERM"), status: 404, why: "operation not permitted: CPython's 404" },
  { error: new NotServable("outside the served directory"), status: 404, why: "refused by confine.ts" },
  { error: errno("EMFILE"), status: 503, why: "the process is out of descriptors" },
  { error: errno("ENFILE"), status: 503, why: "the system is out of descriptors" },
  { error: errno("EIO"), status: 500, why: "a disk fault is the server's" },
  { error: errno("ENOMEM"), status: 500, why: "out of memory" },
  { error: new Error("no code"), status: 500, why: "anything unexpected" },
  { error: null, status: 500, why: "not even an Error" },
  { error: "a string", status: 500, why: "a thrown string" },
];

test("toHttpError() table", () => {
  for (const row of ROWS) {
    const got = toHttpError(row.error, "File not found");
    assert.equal(got.status, row.status, `${String((row.error as { code?: string } | null)?.code ?? row.error)}: ${row.why}`);
    const want = row.status === 404 ? "File not found" : row.status === 503 ? "Too many open files" : "Internal Server Error";
    assert.equal(got.message, want, row.why);
    assert.ok(!got.message.includes("/srv"), "never the error's own text");
  }
});

test("toHttpError() sends the caller's 404 message: CPython's for a directory listing", () => {
  assert.deepEqual(toHttpError(errno("EACCES"), "No permission to list directory"), { status: 404, message: "No permission to list directory" });
  assert.deepEqual(toHttpError(errno("EMFILE"), "No permission to list directory"), { status: 503, message: "Too many open files" });
});

test("outOfDescriptors() is EMFILE and ENFILE only", () => {
  assert.equal(outOfDescriptors(errno("EMFILE")), true);
  assert.equal(outOfDescriptors(errno("ENFILE")), true);
  assert.equal(outOfDescriptors(errno("ENOENT")), false);
  assert.equal(outOfDescriptors(undefined), false);
});
