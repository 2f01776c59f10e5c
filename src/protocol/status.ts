/**
 * HTTP status codes, reason phrases and descriptions: CPython 3.14's
 * `http.HTTPStatus`, member for member.
 *
 * Strategy: one literal line per enum member, in CPython's definition order,
 * copied from CPython 3.14's Lib/http/__init__.py. An alias (a member whose
 * value repeats an earlier one, such as `REQUEST_ENTITY_TOO_LARGE`) is the
 * very same frozen object as its canonical member, just as
 * `HTTPStatus.REQUEST_ENTITY_TOO_LARGE is HTTPStatus.CONTENT_TOO_LARGE` holds
 * in Python. Lookups by number go through one `Map` built once at load time.
 *
 * Where 3.14 differs from older Pythons (see the allow-list in
 * test/protocol/status.test.ts, which compares this table with the local
 * `python3`):
 * - 3.13 adopted RFC 9110's names and phrases for 413, 414, 416 and 422
 *   (`CONTENT_TOO_LARGE` "Content Too Large" and so on) and kept the old
 *   names as aliases.
 * - 3.14 (gh-127089) gave a description to the 14 members that had an empty
 *   one (102, 103, 207, 208, 226, 422-426, 506-508, 510) and dropped the
 *   trailing period from 418's description.
 *
 * This module is sans-IO: data and pure lookups only.
 */

/** One member of {@link HTTPStatus}: Python's `HTTPStatus` enum value. */
export interface StatusInfo {
  /** The status code, e.g. `404` (Python's `HTTPStatus.NOT_FOUND.value`). */
  readonly value: number;
  /** The reason phrase sent on the status line, e.g. `"Not Found"`. */
  readonly phrase: string;
  /** The longer English explanation; `""` is never used in 3.14. */
  readonly description: string;
  /** The canonical member name, e.g. `"NOT_FOUND"` (aliases report the canonical name). */
  readonly name: string;
}

/** Builds one frozen member; only this module creates `StatusInfo` objects. */
function member(value: number, name: string, phrase: string, description: string): StatusInfo {
  return Object.freeze({ value, phrase, description, name });
}

// The four members that have an alias, declared first so that the alias can
// share the object while the table below keeps CPython's definition order.
const CONTENT_TOO_LARGE = member(413, "CONTENT_TOO_LARGE", "Content Too Large", "Content is too large");
const URI_TOO_LONG = member(414, "URI_TOO_LONG", "URI Too Long", "URI is too long");
const RANGE_NOT_SATISFIABLE = member(416, "RANGE_NOT_SATISFIABLE", "Range Not Satisfiable", "Cannot satisfy request range");
const UNPROCESSABLE_CONTENT = member(422, "UNPROCESSABLE_CONTENT", "Unprocessable Content", "Server is not able to process the contained instructions");

/**
 * Python's `http.HTTPStatus` as of CPython 3.14: every member name, including
 * the aliases kept for backwards compatibility (`REQUEST_ENTITY_TOO_LARGE`,
 * `REQUEST_URI_TOO_LONG`, `REQUESTED_RANGE_NOT_SATISFIABLE`,
 * `UNPROCESSABLE_ENTITY`), mapped to its {@link StatusInfo}.
 *
 * Key order is Python's `HTTPStatus.__members__` order.
 *
 * Differs from CPython: members are plain frozen objects, not `int`
 * subclasses, so compare `status.value` (or use {@link statusInfo}) where
 * Python would compare the member with an integer. The `is_success`-style
 * category properties are not provided.
 */
export const HTTPStatus = Object.freeze({
  // informational
  CONTINUE: member(100, "CONTINUE", "Continue", "Request received, please continue"),
  SWITCHING_PROTOCOLS: member(101, "SWITCHING_PROTOCOLS", "Switching Protocols", "Switching to new protocol; obey Upgrade header"),
  PROCESSING: member(102, "PROCESSING", "Processing", "Server is processing the request"),
  EARLY_HINTS: member(103, "EARLY_HINTS", "Early Hints", "Headers sent to prepare for the response"),

  // success
  OK: member(200, "OK", "OK", "Request fulfilled, document follows"),
  CREATED: member(201, "CREATED", "Created", "Document created, URL follows"),
  ACCEPTED: member(202, "ACCEPTED", "Accepted", "Request accepted, processing continues off-line"),
  NON_AUTHORITATIVE_INFORMATION: member(203, "NON_AUTHORITATIVE_INFORMATION", "Non-Authoritative Information", "Request fulfilled from cache"),
  NO_CONTENT: member(204, "NO_CONTENT", "No Content", "Request fulfilled, nothing follows"),
  RESET_CONTENT: member(205, "RESET_CONTENT", "Reset Content", "Clear input form for further input"),
  PARTIAL_CONTENT: member(206, "PARTIAL_CONTENT", "Partial Content", "Partial content follows"),
  MULTI_STATUS: member(207, "MULTI_STATUS", "Multi-Status", "Response contains multiple statuses in the body"),
  ALREADY_REPORTED: member(208, "ALREADY_REPORTED", "Already Reported", "Operation has already been reported"),
  IM_USED: member(226, "IM_USED", "IM Used", "Request completed using instance manipulations"),

  // redirection
  MULTIPLE_CHOICES: member(300, "MULTIPLE_CHOICES", "Multiple Choices", "Object has several resources -- see URI list"),
  MOVED_PERMANENTLY: member(301, "MOVED_PERMANENTLY", "Moved Permanently", "Object moved permanently -- see URI list"),
  FOUND: member(302, "FOUND", "Found", "Object moved temporarily -- see URI list"),
  SEE_OTHER: member(303, "SEE_OTHER", "See Other", "Object moved -- see Method and URL list"),
  NOT_MODIFIED: member(304, "NOT_MODIFIED", "Not Modified", "Document has not changed since given time"),
  USE_PROXY: member(305, "USE_PROXY", "Use Proxy", "You must use proxy specified in Location to access this resource"),
  TEMPORARY_REDIRECT: member(307, "TEMPORARY_REDIRECT", "Temporary Redirect", "Object moved temporarily -- see URI list"),
  PERMANENT_REDIRECT: member(308, "PERMANENT_REDIRECT", "Permanent Redirect", "Object moved permanently -- see URI list"),

  // client error
  BAD_REQUEST: member(400, "BAD_REQUEST", "Bad Request", "Bad request syntax or unsupported method"),
  UNAUTHORIZED: member(401, "UNAUTHORIZED", "Unauthorized", "No permission -- see authorization schemes"),
  PAYMENT_REQUIRED: member(402, "PAYMENT_REQUIRED", "Payment Required", "No payment -- see charging schemes"),
  FORBIDDEN: member(403, "FORBIDDEN", "Forbidden", "Request forbidden -- authorization will not help"),
  NOT_FOUND: member(404, "NOT_FOUND", "Not Found", "Nothing matches the given URI"),
  METHOD_NOT_ALLOWED: member(405, "METHOD_NOT_ALLOWED", "Method Not Allowed", "Specified method is invalid for this resource"),
  NOT_ACCEPTABLE: member(406, "NOT_ACCEPTABLE", "Not Acceptable", "URI not available in preferred format"),
  PROXY_AUTHENTICATION_REQUIRED: member(407, "PROXY_AUTHENTICATION_REQUIRED", "Proxy Authentication Required", "You must authenticate with this proxy before proceeding"),
  REQUEST_TIMEOUT: member(408, "REQUEST_TIMEOUT", "Request Timeout", "Request timed out; try again later"),
  CONFLICT: member(409, "CONFLICT", "Conflict", "Request conflict"),
  GONE: member(410, "GONE", "Gone", "URI no longer exists and has been permanently removed"),
  LENGTH_REQUIRED: member(411, "LENGTH_REQUIRED", "Length Required", "Client must specify Content-Length"),
  PRECONDITION_FAILED: member(412, "PRECONDITION_FAILED", "Precondition Failed", "Precondition in headers is false"),
  CONTENT_TOO_LARGE,
  REQUEST_ENTITY_TOO_LARGE: CONTENT_TOO_LARGE,
  URI_TOO_LONG,
  REQUEST_URI_TOO_LONG: URI_TOO_LONG,
  UNSUPPORTED_MEDIA_TYPE: member(415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported Media Type", "Entity body in unsupported format"),
  RANGE_NOT_SATISFIABLE,
  REQUESTED_RANGE_NOT_SATISFIABLE: RANGE_NOT_SATISFIABLE,
  EXPECTATION_FAILED: member(417, "EXPECTATION_FAILED", "Expectation Failed", "Expect condition could not be satisfied"),
  IM_A_TEAPOT: member(418, "IM_A_TEAPOT", "I'm a Teapot", "Server refuses to brew coffee because it is a teapot"),
  MISDIRECTED_REQUEST: member(421, "MISDIRECTED_REQUEST", "Misdirected Request", "Server is not able to produce a response"),
  UNPROCESSABLE_CONTENT,
  UNPROCESSABLE_ENTITY: UNPROCESSABLE_CONTENT,
  LOCKED: member(423, "LOCKED", "Locked", "Resource of a method is locked"),
  FAILED_DEPENDENCY: member(424, "FAILED_DEPENDENCY", "Failed Dependency", "Dependent action of the request failed"),
  TOO_EARLY: member(425, "TOO_EARLY", "Too Early", "Server refuses to process a request that might be replayed"),
  UPGRADE_REQUIRED: member(426, "UPGRADE_REQUIRED", "Upgrade Required", "Server refuses to perform the request using the current protocol"),
  PRECONDITION_REQUIRED: member(428, "PRECONDITION_REQUIRED", "Precondition Required", "The origin server requires the request to be conditional"),
  TOO_MANY_REQUESTS: member(429, "TOO_MANY_REQUESTS", "Too Many Requests", 'The user has sent too many requests in a given amount of time ("rate limiting")'),
  REQUEST_HEADER_FIELDS_TOO_LARGE: member(431, "REQUEST_HEADER_FIELDS_TOO_LARGE", "Request Header Fields Too Large", "The server is unwilling to process the request because its header fields are too large"),
  UNAVAILABLE_FOR_LEGAL_REASONS: member(451, "UNAVAILABLE_FOR_LEGAL_REASONS", "Unavailable For Legal Reasons", "The server is denying access to the resource as a consequence of a legal demand"),

  // server errors
  INTERNAL_SERVER_ERROR: member(500, "INTERNAL_SERVER_ERROR", "Internal Server Error", "Server got itself in trouble"),
  NOT_IMPLEMENTED: member(501, "NOT_IMPLEMENTED", "Not Implemented", "Server does not support this operation"),
  BAD_GATEWAY: member(502, "BAD_GATEWAY", "Bad Gateway", "Invalid responses from another server/proxy"),
  SERVICE_UNAVAILABLE: member(503, "SERVICE_UNAVAILABLE", "Service Unavailable", "The server cannot process the request due to a high load"),
  GATEWAY_TIMEOUT: member(504, "GATEWAY_TIMEOUT", "Gateway Timeout", "The gateway server did not receive a timely response"),
  HTTP_VERSION_NOT_SUPPORTED: member(505, "HTTP_VERSION_NOT_SUPPORTED", "HTTP Version Not Supported", "Cannot fulfill request"),
  VARIANT_ALSO_NEGOTIATES: member(506, "VARIANT_ALSO_NEGOTIATES", "Variant Also Negotiates", "Server has an internal configuration error"),
  INSUFFICIENT_STORAGE: member(507, "INSUFFICIENT_STORAGE", "Insufficient Storage", "Server is not able to store the representation"),
  LOOP_DETECTED: member(508, "LOOP_DETECTED", "Loop Detected", "Server encountered an infinite loop while processing a request"),
  NOT_EXTENDED: member(510, "NOT_EXTENDED", "Not Extended", "Request does not meet the resource access policy"),
  NETWORK_AUTHENTICATION_REQUIRED: member(511, "NETWORK_AUTHENTICATION_REQUIRED", "Network Authentication Required", "The client needs to authenticate to gain network access"),
} as const satisfies Record<string, StatusInfo>);

/** A member name of {@link HTTPStatus}, canonical or alias (`"NOT_FOUND"`, `"REQUEST_URI_TOO_LONG"`, …). */
export type HTTPStatusName = keyof typeof HTTPStatus;

/** Canonical members by value; built once, never mutated after load. */
const BY_VALUE: ReadonlyMap<number, StatusInfo> = new Map(
  Object.values(HTTPStatus).map((info): [number, StatusInfo] => [info.value, info]),
);

/**
 * Returns the {@link HTTPStatus} member for `code`, like Python's
 * `HTTPStatus(code)`, or `undefined` where Python would raise `ValueError`
 * (a code CPython does not define, such as 299 or 419).
 *
 * For a value with an alias the canonical member comes back:
 * `statusInfo(413)` is `HTTPStatus.CONTENT_TOO_LARGE`.
 */
export function statusInfo(code: number): StatusInfo | undefined {
  return BY_VALUE.get(code);
}

/**
 * Python's `BaseHTTPRequestHandler.responses`: status code to
 * `[phrase, description]`, one entry per distinct value, in the order of
 * `HTTPStatus.__members__` (CPython builds it as
 * `{v: (v.phrase, v.description) for v in HTTPStatus.__members__.values()}`).
 *
 * The pairs are frozen; the map itself must be treated as read-only (the
 * type says so). A handler that wants different text passes it to
 * `send_response()`/`send_error()` instead of editing this table.
 */
export const RESPONSES: ReadonlyMap<number, readonly [string, string]> = new Map(
  [...BY_VALUE.values()].map((info): [number, readonly [string, string]] => [
    info.value,
    Object.freeze([info.phrase, info.description] as const),
  ]),
);
