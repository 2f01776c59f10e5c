/**
 * `buildCgiEnv()` and `cgiArgs()` directly: every variable CPython's
 * `run_cgi()` sets, the ones it defaults to "" only when missing, and the
 * ones it leaves alone in the inherited environment.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCgiEnv, cgiArgs, type CgiRequest } from "../../src/cgi/cgi-env.js";
import { HTTPMessage } from "../../src/protocol/headers.js";

function headers(pairs: [string, string][]): HTTPMessage {
  const m = new HTTPMessage();
  for (const [k, v] of pairs) m.add_header(k, v);
  return m;
}

function request(over: Partial<CgiRequest> = {}): CgiRequest {
  return {
    base: { PATH: "/usr/bin:/bin", HOME: "/root" },
    server_software: "SimpleHTTP/0.6 Node.js/20",
    server_name: "localhost",
    protocol_version: "HTTP/1.0",
    server_port: 8000,
    command: "GET",
    rest: "/a%20b",
    path_translated: "/srv/a b",
    scriptname: "/cgi-bin/x.sh",
    query: "q=1",
    remote_addr: "127.0.0.1",
    headers: headers([]),
    ...over,
  };
}

test("buildCgiEnv() sets CPython's variables over a copy of the base environment", () => {
  const env = buildCgiEnv(request());
  assert.deepEqual(env, {
    PATH: "/usr/bin:/bin",
    HOME: "/root",
    SERVER_SOFTWARE: "SimpleHTTP/0.6 Node.js/20",
    SERVER_NAME: "localhost",
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: "HTTP/1.0",
    SERVER_PORT: "8000",
    REQUEST_METHOD: "GET",
    PATH_INFO: "/a b",
    PATH_TRANSLATED: "/srv/a b",
    SCRIPT_NAME: "/cgi-bin/x.sh",
    QUERY_STRING: "q=1",
    REMOTE_ADDR: "127.0.0.1",
    CONTENT_TYPE: "text/plain",
    HTTP_ACCEPT: "",
    REMOTE_HOST: "",
    CONTENT_LENGTH: "",
    HTTP_USER_AGENT: "",
    HTTP_COOKIE: "",
    HTTP_REFERER: "",
  });
});

test("buildCgiEnv() takes the request's headers as CPython does", () => {
  const env = buildCgiEnv(
    request({
      command: "POST",
      headers: headers([
        ["Content-Type", "application/json; charset=utf-8"],
        ["Content-Length", "12"],
        ["Accept", "a/b"],
        ["Accept", "c/d"],
        ["User-Agent", "ua"],
        ["Referer", "http://r/"],
        ["Cookie", "a=1"],
        ["Cookie", ""],
        ["Cookie", "b=2"],
        ["Authorization", "Basic " + Buffer.from("bob:pw").toString("base64")],
      ]),
    }),
  );
  assert.equal(env["CONTENT_TYPE"], "application/json; charset=utf-8");
  assert.equal(env["CONTENT_LENGTH"], "12");
  assert.equal(env["HTTP_ACCEPT"], "a/b,c/d");
  assert.equal(env["HTTP_USER_AGENT"], "ua");
  assert.equal(env["HTTP_REFERER"], "http://r/");
  assert.equal(env["HTTP_COOKIE"], "a=1, b=2");
  assert.equal(env["AUTH_TYPE"], "Basic");
  assert.equal(env["REMOTE_USER"], "bob");
});

test("buildCgiEnv() leaves inherited variables it only defaults (setdefault), and overrides the ones it sets", () => {
  const env = buildCgiEnv(request({ base: { HTTP_COOKIE: "inherited", REMOTE_HOST: "h", QUERY_STRING: "old", AUTH_TYPE: "Inherited" }, query: "" }));
  assert.equal(env["HTTP_COOKIE"], "inherited"); // CPython: setdefault keeps it
  assert.equal(env["REMOTE_HOST"], "h");
  assert.equal(env["QUERY_STRING"], ""); // set unconditionally
  assert.equal(env["AUTH_TYPE"], "Inherited"); // never cleared by CPython
});

test("buildCgiEnv() with an empty Content-Type header keeps it empty; without one it is text/plain", () => {
  assert.equal(buildCgiEnv(request({ headers: headers([["Content-Type", ""]]) }))["CONTENT_TYPE"], "");
  assert.equal(buildCgiEnv(request())["CONTENT_TYPE"], "text/plain");
});

test("cgiArgs() passes the query as one argument unless it has '=', with '+' as space", () => {
  const rows: [string, string[]][] = [
    ["", [""]],
    ["a+b", ["a b"]],
    ["a%20b", ["a%20b"]],
    ["a=1", []],
    ["x+%3D", ["x %3D"]],
    ["k=v+w", []],
  ];
  for (const [q, want] of rows) assert.deepEqual(cgiArgs(q), want, q);
});
