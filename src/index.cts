/**
 * http.server's CommonJS entry: what `require("http.server")` loads.
 *
 * Strategy: no second build. The package is one set of ES modules, and this
 * file hands CommonJS callers that same module (Node's require() of an ES
 * module, unflagged from Node.js 20.19 and 22.12; Bun and Deno have it too),
 * so `import` and `require()` share one copy of every class and
 * `instanceof` holds across them. On a Node.js without it, require() fails
 * with one clear error saying what to do instead of Node's generic one.
 */

try {
  require("./index.js");
} catch (e) {
  if ((e as { code?: unknown }).code === "ERR_REQUIRE_ESM") {
    throw new Error(
      `http.server: require("http.server") needs Node.js 20.19+ or 22.12+ (require() of ES modules); ` +
        `this is Node.js ${process.version}. Upgrade Node.js, or load it with \`await import("http.server")\`.`,
      { cause: e },
    );
  }
  throw e;
}

export * from "./index.js";
