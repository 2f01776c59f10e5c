/**
 * Tests for src/protocol/status.ts: CPython 3.14's `http.HTTPStatus` and
 * `BaseHTTPRequestHandler.responses`.
 *
 * Strategy: a table of known members, structural checks (aliases, frozen
 * objects, one `RESPONSES` entry per value), and a side-by-side comparison
 * with whatever `python3` is installed. Older Pythons differ from 3.14 in
 * exactly the ways listed in `CHANGES`; every other name, value, phrase and
 * description must match Python's character for character, and every listed
 * change must show up with its old text, so a typo on either side fails.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

import { HTTPStatus, RESPONSES, statusInfo, type StatusInfo } from "../../src/protocol/status.js";

// One row per member: [name, value, phrase, description].
const KNOWN: ReadonlyArray<readonly [keyof typeof HTTPStatus, number, string, string]> = [
  ["CONTINUE", 100, "Continue", "Request received, please continue"],
  ["PROCESSING", 102, "Processing", "Server is processing the request"],
  ["OK", 200, "OK", "Request fulfilled, document follows"],
  ["NO_CONTENT", 204, "No Content", "Request fulfilled, nothing follows"],
  ["MOVED_PERMANENTLY", 301, "Moved Permanently", "Object moved permanently -- see URI list"],
  ["NOT_MODIFIED", 304, "Not Modified", "Document has not changed since given time"],
  ["BAD_REQUEST", 400, "Bad Request", "Bad request syntax or unsupported method"],
  ["NOT_FOUND", 404, "Not Found", "Nothing matches the given URI"],
  ["REQUEST_TIMEOUT", 408, "Request Timeout", "Request timed out; try again later"],
  ["CONTENT_TOO_LARGE", 413, "Content Too Large", "Content is too large"],
  ["URI_TOO_LONG", 414, "URI Too Long", "URI is too long"],
  ["RANGE_NOT_SATISFIABLE", 416, "Range Not Satisfiable", "Cannot satisfy request range"],
  ["IM_A_TEAPOT", 418, "I'm a Teapot", "Server refuses to brew coffee because it is a teapot"],
  ["MISDIRECTED_REQUEST", 421, "Misdirected Request", "Server is not able to produce a response"],
  ["UNPROCESSABLE_CONTENT", 422, "Unprocessable Content", "Server is not able to process the contained instructions"],
  ["TOO_EARLY", 425, "Too Early", "Server refuses to process a request that might be replayed"],
  ["TOO_MANY_REQUESTS", 429, "Too Many Requests", 'The user has sent too many requests in a given amount of time ("rate limiting")'],
  ["REQUEST_HEADER_FIELDS_TOO_LARGE", 431, "Request Header Fields Too Large", "The server is unwilling to process the request because its header fields are too large"],
  ["UNAVAILABLE_FOR_LEGAL_REASONS", 451, "Unavailable For Legal Reasons", "The server is denying access to the resource as a consequence of a legal demand"],
  ["INTERNAL_SERVER_ERROR", 500, "Internal Server Error", "Server got itself in trouble"],
  ["NOT_IMPLEMENTED", 501, "Not Implemented", "Server does not support this operation"],
  ["HTTP_VERSION_NOT_SUPPORTED", 505, "HTTP Version Not Supported", "Cannot fulfill request"],
  ["NOT_EXTENDED", 510, "Not Extended", "Request does not meet the resource access policy"],
];

// The names CPython keeps for backwards compatibility, and what they alias.
const ALIASES: ReadonlyArray<readonly [keyof typeof HTTPStatus, keyof typeof HTTPStatus]> = [
  ["REQUEST_ENTITY_TOO_LARGE", "CONTENT_TOO_LARGE"],
  ["REQUEST_URI_TOO_LONG", "URI_TOO_LONG"],
  ["REQUESTED_RANGE_NOT_SATISFIABLE", "RANGE_NOT_SATISFIABLE"],
  ["UNPROCESSABLE_ENTITY", "UNPROCESSABLE_CONTENT"],
];

const members = (): Array<[string, StatusInfo]> => Object.entries(HTTPStatus);
const distinctValues = (): Set<number> => new Set(members().map(([, info]) => info.value));

test("HTTPStatus has CPython 3.14's value, phrase and description for known members", () => {
  for (const [name, value, phrase, description] of KNOWN) {
    const info = HTTPStatus[name];
    assert.deepEqual(
      { value: info.value, name: info.name, phrase: info.phrase, description: info.description },
      { value, name, phrase, description },
      `row ${name}`,
    );
  }
});

test("HTTPStatus aliases are the canonical member objects", () => {
  for (const [alias, canonical] of ALIASES) {
    assert.equal(HTTPStatus[alias], HTTPStatus[canonical], `${alias} is ${canonical}`);
    assert.equal(HTTPStatus[alias].name, canonical, `${alias}.name`);
  }
  // Every other member is its own canonical name: 62 values, 66 names.
  const aliasNames = new Set<string>(ALIASES.map(([alias]) => alias));
  for (const [key, info] of members()) {
    if (!aliasNames.has(key)) assert.equal(info.name, key, `member ${key}`);
  }
  assert.equal(members().length, 66);
  assert.equal(distinctValues().size, 62);
});

test("HTTPStatus and its members are frozen", () => {
  assert.ok(Object.isFrozen(HTTPStatus));
  for (const [key, info] of members()) assert.ok(Object.isFrozen(info), key);
});

test("HTTPStatus keeps CPython's definition order", () => {
  const keys = Object.keys(HTTPStatus);
  assert.deepEqual(keys.slice(0, 4), ["CONTINUE", "SWITCHING_PROTOCOLS", "PROCESSING", "EARLY_HINTS"]);
  assert.deepEqual(keys.slice(keys.indexOf("PRECONDITION_FAILED"), keys.indexOf("PRECONDITION_FAILED") + 5), [
    "PRECONDITION_FAILED",
    "CONTENT_TOO_LARGE",
    "REQUEST_ENTITY_TOO_LARGE",
    "URI_TOO_LONG",
    "REQUEST_URI_TOO_LONG",
  ]);
  const values = members().map(([, info]) => info.value);
  assert.deepEqual(values, [...values].sort((a, b) => a - b), "values ascend");
});

test("statusInfo() finds canonical members and rejects unknown codes", () => {
  const rows: ReadonlyArray<readonly [number, StatusInfo | undefined]> = [
    [200, HTTPStatus.OK],
    [404, HTTPStatus.NOT_FOUND],
    [413, HTTPStatus.CONTENT_TOO_LARGE],
    [422, HTTPStatus.UNPROCESSABLE_CONTENT],
    [511, HTTPStatus.NETWORK_AUTHENTICATION_REQUIRED],
    [299, undefined],
    [419, undefined],
    [0, undefined],
    [200.5, undefined],
    [NaN, undefined],
  ];
  for (const [code, want] of rows) assert.equal(statusInfo(code), want, `statusInfo(${code})`);
});

test("RESPONSES has one [phrase, description] entry per distinct value", () => {
  assert.deepEqual(new Set(RESPONSES.keys()), distinctValues());
  for (const [, info] of members()) {
    assert.deepEqual(RESPONSES.get(info.value), [info.phrase, info.description], `RESPONSES.get(${info.value})`);
  }
  assert.deepEqual(RESPONSES.get(404), ["Not Found", "Nothing matches the given URI"]);
  assert.deepEqual([...RESPONSES.keys()], [...RESPONSES.keys()].sort((a, b) => a - b), "keys ascend");
  assert.ok(Object.isFrozen(RESPONSES.get(200)));
});

// ---------------------------------------------------------------------------
// Side by side with the local python3

type Field = "name" | "phrase" | "description";

interface Change {
  readonly code: number;
  readonly field: Field;
  /** The first CPython version with our text. */
  readonly since: readonly [number, number];
  /** The text before that version. */
  readonly was: string;
}

/**
 * Every difference between CPython 3.11 and 3.14 in `HTTPStatus`:
 * 3.13 adopted RFC 9110's names and phrases (the old names stay as
 * aliases); 3.14 filled in 14 empty descriptions and dropped the period
 * after the teapot's (gh-127089).
 */
const CHANGES: readonly Change[] = [
  { code: 413, field: "name", since: [3, 13], was: "REQUEST_ENTITY_TOO_LARGE" },
  { code: 413, field: "phrase", since: [3, 13], was: "Request Entity Too Large" },
  { code: 413, field: "description", since: [3, 13], was: "Entity is too large" },
  { code: 414, field: "name", since: [3, 13], was: "REQUEST_URI_TOO_LONG" },
  { code: 414, field: "phrase", since: [3, 13], was: "Request-URI Too Long" },
  { code: 416, field: "name", since: [3, 13], was: "REQUESTED_RANGE_NOT_SATISFIABLE" },
  { code: 416, field: "phrase", since: [3, 13], was: "Requested Range Not Satisfiable" },
  { code: 422, field: "name", since: [3, 13], was: "UNPROCESSABLE_ENTITY" },
  { code: 422, field: "phrase", since: [3, 13], was: "Unprocessable Entity" },
  { code: 418, field: "description", since: [3, 14], was: "Server refuses to brew coffee because it is a teapot." },
  ...[102, 103, 207, 208, 226, 422, 423, 424, 425, 426, 506, 507, 508, 510].map(
    (code): Change => ({ code, field: "description", since: [3, 14], was: "" }),
  ),
];

/** The newest CPython this table describes; a newer python3 may legitimately differ. */
const OURS: readonly [number, number] = [3, 14];

const PY_DUMP = `
import http, http.server, json, sys
print(json.dumps({
    "version": list(sys.version_info[:2]),
    "members": [[key, m.value, m.name, m.phrase, m.description]
                for key, m in http.HTTPStatus.__members__.items()],
    "responses": [[int(k), list(v)] for k, v in http.server.BaseHTTPRequestHandler.responses.items()],
}))
`;

interface PyDump {
  version: [number, number];
  members: Array<[string, number, string, string, string]>;
  responses: Array<[number, [string, string]]>;
}

function before(version: readonly [number, number], than: readonly [number, number]): boolean {
  return version[0] < than[0] || (version[0] === than[0] && version[1] < than[1]);
}

test("HTTPStatus matches python3's http.HTTPStatus except for the listed 3.13/3.14 changes", (t) => {
  const run = spawnSync("python3", ["-c", PY_DUMP], { encoding: "utf8" });
  if (run.error !== undefined) {
    t.skip(`python3 not available: ${run.error.message}`);
    return;
  }
  assert.equal(run.status, 0, run.stderr);
  const py = JSON.parse(run.stdout) as PyDump;
  t.diagnostic(`python3 is ${py.version.join(".")}`);
  if (before(OURS, py.version)) {
    t.skip(`python3 ${py.version.join(".")} is newer than the ${OURS.join(".")} table`);
    return;
  }
  // Changes already in the local Python are no longer differences.
  const pending = CHANGES.filter((c) => before(py.version, c.since));
  const expectedDifference = (code: number, field: Field): Change | undefined =>
    pending.find((c) => c.code === code && c.field === field);

  const seen = new Set<string>();
  for (const [key, value, name, phrase, description] of py.members) {
    const ours = (HTTPStatus as Readonly<Record<string, StatusInfo>>)[key];
    assert.ok(ours !== undefined, `python member ${key} is missing`);
    assert.equal(ours.value, value, `${key}.value`);
    const got: Record<Field, string> = { name: ours.name, phrase: ours.phrase, description: ours.description };
    const theirs: Record<Field, string> = { name, phrase, description };
    for (const field of ["name", "phrase", "description"] as const) {
      const change = expectedDifference(value, field);
      if (change === undefined) {
        assert.equal(got[field], theirs[field], `${key}.${field}`);
      } else {
        assert.equal(theirs[field], change.was, `python ${key}.${field} before ${change.since.join(".")}`);
        assert.notEqual(got[field], change.was, `our ${key}.${field} has the ${change.since.join(".")} text`);
        seen.add(`${change.code} ${change.field}`);
      }
    }
  }
  // Every pending change was observed, so the list has no stale rows.
  assert.deepEqual(
    [...seen].sort(),
    pending.map((c) => `${c.code} ${c.field}`).sort(),
    "every listed change shows in this python",
  );
  // No code of ours is missing from Python (3.13/3.14 added names, not values).
  assert.deepEqual(new Set(py.members.map(([, value]) => value)), distinctValues());

  // BaseHTTPRequestHandler.responses: same keys and, modulo the changes, same pairs.
  assert.deepEqual(
    py.responses.map(([code]) => code),
    [...RESPONSES.keys()],
    "responses keys in order",
  );
  for (const [code, [phrase, description]] of py.responses) {
    const [ourPhrase, ourDescription] = RESPONSES.get(code) ?? ["", ""];
    if (expectedDifference(code, "phrase") === undefined) assert.equal(ourPhrase, phrase, `responses[${code}] phrase`);
    if (expectedDifference(code, "description") === undefined) {
      assert.equal(ourDescription, description, `responses[${code}] description`);
    }
  }
});
