/**
 * A 5 GB folder as a zip, from the real command in its own process: ZIP64
 * (the member and the offsets pass 4 GiB) with data descriptors, checked by
 * Python's zipfile (CRC of every byte) and `unzip -t`, while the server's
 * resident memory is sampled and must stay flat.
 *
 * The file is sparse (no disk blocks), but every byte is still read, CRC'd,
 * sent, written to disk by the client and read back by Python: the run
 * takes one to three minutes on a shared machine, so it runs only with
 * HTTP_SERVER_SLOW_TESTS=1 (`.ci/run` sets it) and skips otherwise.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { startCli } from "../cli/cli-process.js";
import { python } from "../helpers/net.js";

const SIZE = 5 * 1024 ** 3;
const slow = process.env["HTTP_SERVER_SLOW_TESTS"] === "1";

/** The resident set size of process `pid`, in KiB. */
function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? 0 : Number(m[1]);
}

test("a 5 GB sparse file is zipped as ZIP64 in bounded memory", { skip: slow ? false : "set HTTP_SERVER_SLOW_TESTS=1 (about a minute)", timeout: 600_000 }, async (t) => {
  const base = mkdtempSync(join(tmpdir(), "zip64-"));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  mkdirSync(join(base, "big"));
  writeFileSync(join(base, "big", "small.txt"), "small\n");
  writeFileSync(join(base, "big", "sparse.bin"), "");
  truncateSync(join(base, "big", "sparse.bin"), SIZE);

  const cli = startCli(t, ["0", "-b", "127.0.0.1", "-d", base, "--archives"]);
  const [, port] = await cli.stdout.waitFor(/port (\d+)/, "banner");
  const pid = cli.child.pid!;
  const out = join(base, "big.zip");
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssKiB(pid)), 200);
  try {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: Number(port), path: "/big/?download=zip", agent: false }, (res) => {
        assert.equal(res.statusCode, 200);
        pipeline(res, createWriteStream(out)).then(resolve, reject);
      });
      req.on("error", reject);
      req.end();
    });
  } finally {
    clearInterval(sampler);
  }
  cli.child.kill("SIGINT");
  await cli.exit();

  // Memory: the peak stays within 64 MiB of the early samples (a copy held in memory would be 5 GB).
  assert.ok(samples.length > 10, `too few samples: ${samples.length}`);
  const early = Math.max(...samples.slice(0, 5));
  const peak = Math.max(...samples);
  assert.ok(peak - early < 64 * 1024, `RSS grew from ${early} KiB to ${peak} KiB`);

  const info = JSON.parse(
    await python(
      `import sys, zipfile, json
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
print(json.dumps({"bad": bad, "members": [[i.filename, i.file_size, i.flag_bits & 8, i.extract_version] for i in z.infolist()]}))`,
      [out],
    ),
  ) as { bad: string | null; members: [string, number, number, number][] };
  assert.equal(info.bad, null);
  assert.deepEqual(
    info.members.map(([name, size, dd]) => [name, size, dd]),
    [
      ["big/", 0, 0],
      ["big/small.txt", 6, 8],
      ["big/sparse.bin", SIZE, 8],
    ],
  );
  assert.ok(info.members[2]![3] >= 45, "ZIP64 version needed");
  const unzip = spawnSync("unzip", ["-tq", out], { encoding: "utf8" });
  if (unzip.error === undefined) assert.equal(unzip.status, 0, unzip.stdout + unzip.stderr);
});
