/** `cors.ts`: the fields of a 204 answering OPTIONS (Fetch §3.2.2, §3.2.3). */

import { test } from "node:test";
import assert from "node:assert/strict";
import { CORS_MAX_AGE, optionsResponse } from "../../src/static/cors.js";

const h = (fields: Record<string, string>) => ({ get: (n: string) => fields[n.toLowerCase()] });
const METHODS = ["GET", "HEAD", "OPTIONS"];

test("optionsResponse() grants a method the handler has and echoes token header names", () => {
  const got = optionsResponse(h({ origin: "http://a", "access-control-request-method": "GET", "access-control-request-headers": "x-token, Content-Type" }), METHODS);
  assert.deepEqual(got, [
    ["Access-Control-Allow-Methods", "GET"],
    ["Access-Control-Allow-Headers", "x-token, Content-Type"],
    ["Access-Control-Max-Age", String(CORS_MAX_AGE)],
    ["Vary", "Access-Control-Request-Method, Access-Control-Request-Headers"],
  ]);
});

test("optionsResponse() lists the methods it has for one it lacks (a refusal to the browser)", () => {
  const got = optionsResponse(h({ origin: "http://a", "access-control-request-method": "DELETE" }), METHODS);
  assert.deepEqual(got[0], ["Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"]);
  assert.equal(got.find(([n]) => n === "Access-Control-Allow-Headers"), undefined);
});

test("optionsResponse() never echoes a header list that is not all tokens", () => {
  for (const bad of ["x-a, b c", "x-a\r\nSet-Cookie: 1", "(x)"]) {
    const got = optionsResponse(h({ origin: "o", "access-control-request-method": "GET", "access-control-request-headers": bad }), METHODS);
    assert.equal(got.find(([n]) => n === "Access-Control-Allow-Headers"), undefined, bad);
  }
});

test("optionsResponse() answers a plain OPTIONS (no preflight fields) with Allow", () => {
  assert.deepEqual(optionsResponse(h({}), METHODS), [["Allow", "GET, HEAD, OPTIONS"]]);
  assert.deepEqual(optionsResponse(h({ origin: "o" }), [...METHODS, "PUT"]), [["Allow", "GET, HEAD, OPTIONS, PUT"]]);
});
