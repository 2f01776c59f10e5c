// bench/fixture.mjs: the directory the file-serving scenarios serve.
//
// `ensureFixture(dir)` makes, once, under `dir` (bench/out/fixture):
//   1k.bin     1024 bytes
//   100m.bin   100 MB (100 × 2^20 bytes)
//   many/      1000 entries with varied names: 890 files, 100 directories and
//              10 symlinks (to files of many/), named with spaces, mixed case,
//              HTML and URL metacharacters (& < > " ' % # ? + ;), accents,
//              CJK, Greek, emoji, and a few long names.
// The bytes are pseudo-random but fixed (AES-128-CTR over zeros with a fixed
// key), so every run serves the same content; a stamp file beside `dir`
// records the version, and a fixture that does not match it is made again.
// Returns { dir, files: { "1k.bin": { size, sha256 }, ... }, listing: "/many/" }.

import { createCipheriv, createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

const VERSION = "fixture v1";
const KEY = Buffer.from("http.server bench"); // 17 bytes; the first 16 are the key
const CHUNK = 1 << 20;

/** Writes `size` fixed pseudo-random bytes to `path`; returns their sha256 (hex). */
function writeBytes(path, size, seed) {
  const iv = Buffer.alloc(16);
  iv.write(seed);
  const cipher = createCipheriv("aes-128-ctr", KEY.subarray(0, 16), iv);
  const zeros = Buffer.alloc(CHUNK);
  const hash = createHash("sha256");
  const fd = openSync(path, "w");
  try {
    for (let left = size; left > 0; left -= CHUNK) {
      const chunk = cipher.update(left >= CHUNK ? zeros : zeros.subarray(0, left));
      hash.update(chunk);
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** The 1000 names of many/: [{ name, kind: "file" | "dir" | "link" }]. */
export function manyNames() {
  const stems = [
    (i) => `file-${String(i).padStart(4, "0")}.txt`,
    (i) => `Report ${i} (final).pdf`,
    (i) => `a&b <${i}> "quoted" 'single'.html`,
    (i) => `100% sure #${i}?.md`,
    (i) => `plus+${i};semi,comma=eq.csv`,
    (i) => `café-crème-${i}.txt`,
    (i) => `日本語のファイル-${i}.txt`,
    (i) => `Ελληνικά_${i}.json`,
    (i) => `emoji-🎉-${i}.png`,
    (i) => `UPPER_CASE_${i}.LOG`,
    (i) => `${"long-name-".repeat(12)}${i}.bin`,
    (i) => `-dash first ${i}`,
    (i) => `tab\tand space ${i}`,
    (i) => `back\\slash ${i}`,
    (i) => `${i}`,
  ];
  const out = [];
  for (let i = 0; i < 1000; i++) {
    const name = stems[i % stems.length](i);
    // every 10th a directory, and 10 symlinks spread out; the rest files
    const kind = i % 100 === 7 ? "link" : i % 10 === 3 ? "dir" : "file";
    out.push({ name: kind === "dir" ? name.replace(/\.\w+$/, "") + "-dir" : name, kind });
  }
  return out;
}

/** Makes the fixture under `dir` unless a complete one of this version is there. */
export function ensureFixture(dir) {
  const stamp = `${dir}.stamp.json`;
  if (existsSync(stamp) && existsSync(dir)) {
    try {
      const info = JSON.parse(readFileSync(stamp, "utf8"));
      if (info.version === VERSION) return info;
    } catch {
      // remake it
    }
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(stamp, { force: true });
  mkdirSync(join(dir, "many"), { recursive: true });
  const files = {
    "1k.bin": { size: 1024, sha256: writeBytes(join(dir, "1k.bin"), 1024, "1k") },
    "100m.bin": { size: 100 * CHUNK, sha256: writeBytes(join(dir, "100m.bin"), 100 * CHUNK, "100m") },
  };
  const names = manyNames();
  const firstFile = names.find((n) => n.kind === "file").name;
  names.forEach(({ name, kind }, i) => {
    const path = join(dir, "many", name);
    if (kind === "dir") mkdirSync(path);
    else if (kind === "link") symlinkSync(firstFile, path);
    else writeFileSync(path, `entry ${i}\n`);
  });
  const info = { version: VERSION, dir, files, listing: "/many/", entries: names.length };
  writeFileSync(stamp, JSON.stringify(info, null, 2));
  return info;
}
