/**
 * `request-target.ts`: the target forms of RFC 9112 §3.2, `Host` values
 * (RFC 9110 §7.2, RFC 3986 §3.2.2), `Connection` options, and the bytes that
 * can start a request line. Tables from the RFCs' ABNF.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { classifyTarget, connectionHas, couldStartRequest, isValidHost } from "../../src/protocol/request-target.js";

test("target forms by method (RFC 9112 §3.2)", () => {
  const rows: [string, string, string | null, string?, string?][] = [
    // method, target, form (null: 400), originPath, authority
    ["GET", "/", "origin", "/"],
    ["GET", "/a?b=c", "origin", "/a?b=c"],
    ["GET", "//a", "origin", "//a"],
    ["GET", "http://h/a?b", "absolute", "/a?b", "h"],
    ["GET", "http://h", "absolute", "/", "h"],
    ["GET", "http://h?q", "absolute", "/?q", "h"],
    ["GET", "HTTPS://h:8443/x", "absolute", "/x", "h:8443"],
    ["GET", "http://[::1]:80/x", "absolute", "/x", "[::1]:80"],
    ["GET", "http://h/a#frag", "absolute", "/a", "h"],
    ["GET", "ftp://h/x", "absolute", "/x", "h"],
    ["GET", "http:///a", null],
    ["GET", "http:/a", null],
    ["GET", "http://u@h/a", null],
    ["GET", "http://h:x/a", null],
    ["GET", "http://h h/a", null],
    ["GET", "http://[zz]/a", null],
    ["GET", "a", null],
    ["GET", "a.txt", null],
    ["GET", "\\a", null],
    ["GET", "*", null],
    ["OPTIONS", "*", "asterisk", ""],
    ["OPTIONS", "/", "origin", "/"],
    ["GET", "h:80", null],
    ["CONNECT", "h:80", "authority", "", "h:80"],
    ["CONNECT", "[::1]:443", "authority", "", "[::1]:443"],
    ["CONNECT", "h", null],
    ["CONNECT", "h:", null],
    ["CONNECT", "/", null],
    ["CONNECT", "http://h:80/", null],
    ["CONNECT", "u@h:80", null],
    ["GET", "1http://h/", null],
  ];
  for (const [method, target, form, originPath, authority] of rows) {
    const got = classifyTarget(method, target);
    if (form === null) {
      assert.equal(got, null, `${method} ${target}`);
      continue;
    }
    assert.ok(got !== null, `${method} ${target}`);
    assert.equal(got.form, form, `${method} ${target}`);
    assert.equal(got.originPath, originPath, `${method} ${target}`);
    assert.equal(got.authority, authority ?? null, `${method} ${target}`);
  }
});

test("Host values: uri-host [':' port]", () => {
  for (const ok of ["", "a", "a.example", "a.example:80", "a:", "127.0.0.1", "127.0.0.1:8000", "[::1]", "[::1]:8000", "[v1.x]", "xn--bcher-kva.example", "a%20b", "a_b~c", "a!$&'()*+,;="]) {
    assert.equal(isValidHost(ok), true, ok);
  }
  for (const bad of ["a b", "u@a", "a/b", "a:b", "a:80:90", "[::1", "[::1]x", "[zz]", "a\tb", "a?b", "a#b", "a%2", "a%zz", "é", "a\\b", "[::1]:x"]) {
    assert.equal(isValidHost(bad), false, bad);
  }
});

test("Connection: close anywhere in any field line", () => {
  assert.equal(connectionHas(["close"], "close"), true);
  assert.equal(connectionHas(["keep-alive, close"], "close"), true);
  assert.equal(connectionHas(["keep-alive", "close"], "close"), true);
  assert.equal(connectionHas(["CLOSE"], "close"), true);
  assert.equal(connectionHas(["foo ,  Close  , bar"], "close"), true);
  assert.equal(connectionHas(["keep-alive"], "close"), false);
  assert.equal(connectionHas(["closed", "x-close"], "close"), false);
  assert.equal(connectionHas([], "close"), false);
});

test("bytes that can start a request line", () => {
  // Only the first byte that is not whitespace decides; later control bytes wait for the line end.
  const yes = ["", " ", "G", "GET", "GET /", " GET", "\tGET /", "GET /a\rb", "\x0bGET", "@", "GET /\xff", "GET /\x00", "GET\x7f"];
  const no = ["\x16\x03\x01", "\x00", "\x01GET", "\xffGET", "\x80", " \x00", "\x7fGET", "\xe9GET"];
  for (const s of yes) assert.equal(couldStartRequest(Buffer.from(s, "latin1")), true, JSON.stringify(s));
  for (const s of no) assert.equal(couldStartRequest(Buffer.from(s, "latin1")), false, JSON.stringify(s));
});
