/**
 * Tests for src/protocol/framing.ts.
 *
 * Strategy: one table, grouped by the numbered rule of framing.ts each row
 * exercises (the rule is in the row's name), of header fields plus request
 * version against the framing decided or the error refused with. Fields are
 * added to the message directly, so values the header parser would already
 * have trimmed (surrounding spaces) can be tried too.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { ProtocolError } from "../../src/protocol/errors.js";
import { NO_BODY, requestFraming, type Framing } from "../../src/protocol/framing.js";
import { HTTPMessage } from "../../src/protocol/headers.js";

type Want = Framing | { readonly status: number; readonly code: string };

interface Row {
  readonly name: string;
  readonly fields: readonly (readonly [string, string])[];
  /** Request version; HTTP/1.1 unless given. */
  readonly version?: string;
  /** Request method; POST unless given. */
  readonly method?: string;
  readonly want: Want;
}

const NONE: Want = { kind: "none" };
const CHUNKED: Want = { kind: "chunked" };
const length = (n: number): Want => ({ kind: "length", length: n });
const CONFLICT: Want = { status: 400, code: "ERR_CONFLICTING_FRAMING" };
const UNSUPPORTED: Want = { status: 501, code: "ERR_UNSUPPORTED_TRANSFER_CODING" };
const BAD_TE: Want = { status: 400, code: "ERR_INVALID_TRANSFER_ENCODING" };
const BAD_CL: Want = { status: 400, code: "ERR_INVALID_CONTENT_LENGTH" };

const TE = "Transfer-Encoding";
const CL = "Content-Length";

const ROWS: readonly Row[] = [
  // 0. Content-Length or Transfer-Encoding on CONNECT
  { name: "0: CONNECT with CL", fields: [[CL, "5"]], method: "CONNECT", want: CONFLICT },
  { name: "0: CONNECT with CL 0", fields: [[CL, "0"]], method: "CONNECT", want: CONFLICT },
  { name: "0: CONNECT with TE", fields: [[TE, "chunked"]], method: "CONNECT", want: CONFLICT },
  { name: "0: CONNECT without framing", fields: [["Host", "a"]], method: "CONNECT", want: NONE },
  { name: "0: lower-case connect is another method", fields: [[CL, "5"]], method: "connect", want: length(5) },
  // 1. Transfer-Encoding in an HTTP/1.0 request
  { name: "1: TE chunked in HTTP/1.0", fields: [[TE, "chunked"]], version: "HTTP/1.0", want: CONFLICT },
  { name: "1: TE chunked in HTTP/0.9 spelled out", fields: [[TE, "chunked"]], version: "HTTP/0.9", want: CONFLICT },
  { name: "1: TE gzip in HTTP/1.0 (rule 1 before rule 3)", fields: [[TE, "gzip"]], version: "HTTP/1.0", want: CONFLICT },
  { name: "1: TE and CL in HTTP/1.0", fields: [[TE, "chunked"], [CL, "5"]], version: "HTTP/1.0", want: CONFLICT },
  // 2. Transfer-Encoding and Content-Length together
  { name: "2: TE chunked and CL", fields: [[TE, "chunked"], [CL, "5"]], want: CONFLICT },
  { name: "2: CL before TE", fields: [[CL, "0"], [TE, "chunked"]], want: CONFLICT },
  { name: "2: TE gzip and CL (rule 2 before rule 3)", fields: [[TE, "gzip"], [CL, "5"]], want: CONFLICT },
  // 3. an empty list element
  { name: "3: empty value", fields: [[TE, ""]], want: BAD_TE },
  { name: "3: only commas", fields: [[TE, " , ,"]], want: BAD_TE },
  { name: "3: trailing comma", fields: [[TE, "chunked,"]], want: BAD_TE },
  { name: "3: leading empty element", fields: [[TE, ", chunked"]], want: BAD_TE },
  { name: "3: an empty field beside chunked", fields: [[TE, ""], [TE, "chunked"]], want: BAD_TE },
  // 4. chunked not last
  { name: "4: gzip", fields: [[TE, "gzip"]], want: BAD_TE },
  { name: "4: identity", fields: [[TE, "identity"]], want: BAD_TE },
  { name: "4: chunked, identity", fields: [[TE, "chunked, identity"]], want: BAD_TE },
  { name: "4: chunked with a parameter", fields: [[TE, "chunked;q=1"]], want: BAD_TE },
  { name: "4: chunked and gzip in two fields", fields: [[TE, "chunked"], [TE, "gzip"]], want: BAD_TE },
  { name: "4: near miss 'chunke'", fields: [[TE, "chunke"]], want: BAD_TE },
  { name: "4: 'chunked' with a NUL", fields: [[TE, "chunked\x00"]], want: BAD_TE },
  { name: "4: 'chunked' after a no-break space (not OWS)", fields: [[TE, "\xa0chunked"]], want: BAD_TE },
  { name: "4: 'chunked' after a vertical tab (not OWS)", fields: [[TE, "\x0bchunked"]], want: BAD_TE },
  // 5. chunked more than once
  { name: "5: chunked, chunked", fields: [[TE, "chunked, chunked"]], want: BAD_TE },
  { name: "5: chunked in two fields", fields: [[TE, "chunked"], [TE, "chunked"]], want: BAD_TE },
  { name: "5: chunked, gzip, chunked", fields: [[TE, "chunked, gzip, chunked"]], want: BAD_TE },
  // 6. another coding before chunked
  { name: "8: gzip, chunked", fields: [[TE, "gzip, chunked"]], want: UNSUPPORTED },
  { name: "8: identity, chunked", fields: [[TE, "identity, chunked"]], want: UNSUPPORTED },
  { name: "8: gzip and chunked in two fields", fields: [[TE, "gzip"], [TE, "chunked"]], want: UNSUPPORTED },
  // 7. chunked
  { name: "7: chunked", fields: [[TE, "chunked"]], want: CHUNKED },
  { name: "7: Chunked casing", fields: [[TE, "Chunked"]], want: CHUNKED },
  { name: "7: CHUNKED casing", fields: [[TE, "CHUNKED"]], want: CHUNKED },
  { name: "7: lower-case field name", fields: [["transfer-encoding", "chunked"]], want: CHUNKED },
  { name: "7: surrounding spaces", fields: [[TE, "  chunked\t"]], want: CHUNKED },
  { name: "7: HTTP/1.2", fields: [[TE, "chunked"]], version: "HTTP/1.2", want: CHUNKED },
  // 8. Content-Length repeated or a list
  { name: "8: duplicate equal", fields: [[CL, "5"], [CL, "5"]], want: CONFLICT },
  { name: "8: duplicate different", fields: [[CL, "5"], [CL, "6"]], want: CONFLICT },
  { name: "8: duplicate, other case", fields: [[CL, "5"], ["content-length", "5"]], want: CONFLICT },
  { name: "8: list of equal values", fields: [[CL, "5, 5"]], want: BAD_CL },
  { name: "8: list of different values", fields: [[CL, "5,6"]], want: BAD_CL },
  // 9. not 1*DIGIT, or beyond 2^53 - 1
  { name: "9: plus sign", fields: [[CL, "+5"]], want: BAD_CL },
  { name: "9: minus sign", fields: [[CL, "-5"]], want: BAD_CL },
  { name: "9: leading space", fields: [[CL, " 5"]], want: BAD_CL },
  { name: "9: trailing space", fields: [[CL, "5 "]], want: BAD_CL },
  { name: "9: inner space", fields: [[CL, "1 0"]], want: BAD_CL },
  { name: "9: hex", fields: [[CL, "0x10"]], want: BAD_CL },
  { name: "9: exponent", fields: [[CL, "1e3"]], want: BAD_CL },
  { name: "9: decimal point", fields: [[CL, "5.0"]], want: BAD_CL },
  { name: "9: empty", fields: [[CL, ""]], want: BAD_CL },
  { name: "9: letters", fields: [[CL, "five"]], want: BAD_CL },
  { name: "9: superscript digit", fields: [[CL, "\xb9"]], want: BAD_CL },
  { name: "9: 2^53", fields: [[CL, "9007199254740992"]], want: BAD_CL },
  { name: "9: 20 digits", fields: [[CL, "99999999999999999999"]], want: BAD_CL },
  { name: "9: 400 digits", fields: [[CL, "9".repeat(400)]], want: BAD_CL },
  // 10. Content-Length: N
  { name: "10: 5", fields: [[CL, "5"]], want: length(5) },
  { name: "10: leading zeros", fields: [[CL, "007"]], want: length(7) },
  { name: "10: 2^53 - 1", fields: [[CL, "9007199254740991"]], want: length(Number.MAX_SAFE_INTEGER) },
  { name: "10: 2^53 - 1 with leading zeros", fields: [[CL, "0009007199254740991"]], want: length(Number.MAX_SAFE_INTEGER) },
  { name: "10: lower-case name", fields: [["content-length", "12"]], want: length(12) },
  { name: "10: in HTTP/1.0", fields: [[CL, "3"]], version: "HTTP/1.0", want: length(3) },
  { name: "10: CL 0 is no body", fields: [[CL, "0"]], want: NONE },
  { name: "10: CL 000 is no body", fields: [[CL, "000"]], want: NONE },
  // 11. neither
  { name: "11: no fields", fields: [], want: NONE },
  { name: "11: unrelated fields", fields: [["Host", "a"], ["Content-Type", "text/plain"]], want: NONE },
  { name: "11: HTTP/1.0 without framing", fields: [], version: "HTTP/1.0", want: NONE },
];

function decide(row: Row): Want {
  const m = new HTTPMessage();
  for (const [name, value] of row.fields) m.add_header(name, value);
  try {
    return requestFraming(m, row.version ?? "HTTP/1.1", row.method ?? "POST");
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return { status: e.status, code: e.code };
  }
}

test("requestFraming() decides each row by the numbered rules", () => {
  for (const row of ROWS) {
    const got = decide(row);
    assert.deepEqual(got, row.want, `${row.name} ${JSON.stringify(row.fields)}: got ${JSON.stringify(got)}, want ${JSON.stringify(row.want)}`);
  }
});

test("requestFraming() returns the shared frozen NO_BODY when there is no body", () => {
  assert.equal(requestFraming(new HTTPMessage(), "HTTP/1.1"), NO_BODY);
  const m = new HTTPMessage();
  m.add_header("Content-Length", "0");
  assert.equal(requestFraming(m, "HTTP/1.1"), NO_BODY);
  assert.ok(Object.isFrozen(NO_BODY));
});

test("requestFraming() errors carry fixed text, never the header value", () => {
  const hostile = "<script>\x1b[2J";
  for (const fields of [
    [["Transfer-Encoding", hostile]],
    [["Content-Length", hostile]],
  ] as const) {
    const m = new HTTPMessage();
    for (const [n, v] of fields) m.add_header(n, v);
    assert.throws(
      () => requestFraming(m, "HTTP/1.1"),
      (e: unknown) => e instanceof ProtocolError && !e.reason.includes("<") && !e.message.includes("<"),
      `${fields[0][0]}`,
    );
  }
});
