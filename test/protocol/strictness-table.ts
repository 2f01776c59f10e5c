/**
 * Prints the table of SECURITY.md (Protocol strictness): each row of strictness-cases.ts
 * sent to our server, to CPython 3.11's http.server (the echo handler of
 * test/conformance, which reads a Content-Length body and nothing else, as a
 * typical CPython handler does) and to llhttp strict (how many requests it
 * sees in the bytes, and its error).
 *
 *   npx tsc -p tsconfig.test.json && PRINT_STRICTNESS_TABLE=1 node build/test/protocol/strictness-table.js
 *
 * Not a test (it prints; strictness.test.ts asserts our column).
 */
import { startPython } from "../conformance/side-by-side.js";
import { llhttpSummary } from "../fuzz/differential.js";
import { exchange, serve } from "../helpers/net.js";
import { BodyEcho, CASES, statusLines } from "./strictness-cases.js";

/** The status lines, or what came instead: a bare error page (CPython's HTTP/0.9-style reply) or nothing. */
function short(raw: Buffer): string {
  const lines = statusLines(raw);
  if (lines.length > 0) return lines.map((l) => l.replace(/^HTTP\/1\.[01] /, "")).join("; ");
  const code = /Error code: (\d+)/.exec(raw.toString("latin1"));
  if (code !== null) return `${code[1]} as a bare page, no status line`;
  return raw.length === 0 ? "closed, no response" : "unframed bytes";
}

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\r/g, "\\r").replace(/\n/g, "\\n");

async function main(): Promise<void> {
  const ours = await serve(BodyEcho);
  const py = await startPython("HTTP/1.1");
  try {
    let group = "";
    for (const c of CASES) {
      if (c.group !== group) {
        group = c.group;
        console.log(`\n### ${group}\n\n| Case | Ours | CPython 3.11 | llhttp strict | Why |\n|---|---|---|---|---|`);
      }
      const bytes = Buffer.from(c.send, "latin1");
      const o = await exchange(ours.port, bytes, { end: !c.closes });
      const p = await exchange(py.port, bytes, { end: true }).catch((e: Error) => Buffer.from(`error ${e.message}`));
      const l = llhttpSummary(bytes);
      const smuggled = (raw: Buffer): string => (/\/smuggled/.test(raw.toString("latin1")) ? " **(answered /smuggled)**" : "");
      const ll = `${l.messages} request${l.messages === 1 ? "" : "s"}${l.error !== undefined ? `, then ${l.error}` : ""}`;
      console.log(
        `| ${cell(c.name)} | ${cell(short(o))}${c.closes ? ", close" : ""} | ${cell(short(p))}${smuggled(p)} | ${ll} | ${cell(c.why)} |`,
      );
    }
  } finally {
    await ours.close();
    await py.close();
  }
}

if (process.env["PRINT_STRICTNESS_TABLE"] === "1") await main();
