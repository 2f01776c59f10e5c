/**
 * Which JavaScript runtime runs this process: Node.js, Bun or Deno. Used for
 * the `Server` header's `sys_version` and `http.server --version`.
 *
 * Strategy: Bun and Deno fill in `process.versions.node` with the Node.js
 * version they imitate (both say 26.x today), so that alone would name the
 * wrong program; they also add `process.versions.bun` / `.deno`, which are
 * looked at first.
 */

/** `process.versions` with the fields Bun and Deno add. */
type Versions = NodeJS.ProcessVersions & { bun?: string; deno?: string };

/** The runtime's name and version, e.g. `{ name: "Bun", version: "1.2.0" }`. */
export function runtime(versions: NodeJS.ProcessVersions = process.versions): { name: "Node.js" | "Bun" | "Deno"; version: string } {
  const v = versions as Versions;
  if (typeof v.bun === "string") return { name: "Bun", version: v.bun };
  if (typeof v.deno === "string") return { name: "Deno", version: v.deno };
  return { name: "Node.js", version: v.node };
}

/** The `sys_version` token: `Node.js/20.19.0`, `Bun/1.2.0`, `Deno/2.1.0` (Python: `Python/3.14.0`). */
export function runtimeToken(versions?: NodeJS.ProcessVersions): string {
  const { name, version } = runtime(versions);
  return `${name}/${version}`;
}
