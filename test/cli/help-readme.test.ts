/**
 * The command's `--help` and the README's CLI reference table list the same
 * options, so that neither can drift from the other: every flag (short and
 * long) and the positional `port` in the help's option list appears in the
 * table's first column and the other way round, and the usage line names
 * every option of the list.
 *
 * Strategy: the help is what `main(["--help"])` prints (in process); the
 * table is the README's one headed `| Option | Default | Meaning |`. Flags
 * are the `-x` / `--name` words of the help's option lines (before the
 * description) and of the table's first cells.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runMain } from "./cli-process.js";

const README = fileURLToPath(new URL("../../../README.md", import.meta.url));

/** The `-x` and `--name` words of `text`, and `port` when it is there. */
function flagsIn(text: string): string[] {
  const words = text.match(/(?<![\w-])--?[A-Za-z][\w-]*/g) ?? [];
  return /(?<![\w-])port(?![\w-])/.test(text) ? [...words, "port"] : words;
}

/** The flags of the README's CLI table, row by row. */
function readmeRows(): string[][] {
  const lines = readFileSync(README, "utf8").split("\n");
  const start = lines.findIndex((l) => /^\| Option \| Default \| Meaning \|$/.test(l));
  assert.notEqual(start, -1, "the README has the CLI table (| Option | Default | Meaning |)");
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    const first = line.split("|")[1]!;
    rows.push(flagsIn((first.match(/`[^`]*`/g) ?? []).join(" ")));
  }
  return rows;
}

/** The help's option lines (`  -b, --bind ADDRESS   bind to…`), as their flags. */
function helpRows(help: string): string[][] {
  const rows: string[][] = [];
  let section = "";
  for (const line of help.split("\n")) {
    if (/^\S.*:$/.test(line)) section = line;
    if (!/^(positional arguments|options):$/.test(section)) continue;
    const m = /^ {2}(\S.*?)(?: {2,}|$)/.exec(line);
    if (m !== null) rows.push(flagsIn(m[1]!.replace(/\{[^}]*\}/g, "")));
  }
  return rows;
}

test("every option in --help is in the README's CLI table, and every option in the table is in --help", async () => {
  const r = await runMain(["--help"]);
  assert.equal(r.exit.code, 0);
  const help = helpRows(r.stdout);
  const readme = readmeRows();
  assert.ok(help.length > 30 && readme.length > 30, `${help.length} help rows, ${readme.length} README rows`);
  const inHelp = new Set(help.flat());
  const inReadme = new Set(readme.flat());
  assert.deepEqual([...inHelp].filter((f) => !inReadme.has(f)), [], "in --help, missing from the README's table");
  assert.deepEqual([...inReadme].filter((f) => !inHelp.has(f)), [], "in the README's table, missing from --help");
  // Each README row names the same option as one help line (short and long form together).
  const helpKeys = new Set(help.map((flags) => [...flags].sort().join(" ")));
  for (const flags of readme) assert.ok(helpKeys.has([...flags].sort().join(" ")), `README row ${flags.join(", ")} matches no --help line`);
});

test("the usage line names every option of --help's list", async () => {
  const r = await runMain(["--help"]);
  const usage = r.stdout.slice(0, r.stdout.indexOf("\n\n"));
  const inUsage = new Set(flagsIn(usage.replace(/^usage: \S+/, "")));
  const listed = helpRows(r.stdout).map((flags) => flags.find((f) => inUsage.has(f)) ?? flags.join("/"));
  assert.deepEqual(listed.filter((f) => !inUsage.has(f)), [], "options in the list but not in the usage line");
});
