/**
 * Test helper: headless Chromium for the end-to-end tests (test/e2e), driven
 * by playwright-core.
 *
 * Strategy: the browser is Debian's `/usr/bin/chromium` (installed by
 * scripts/ensure-chromium.sh: `npx playwright install` cannot download a
 * browser on this machine's closed network), or else a browser playwright-core
 * itself installed, if any. Where neither exists, `CHROMIUM_SKIP` says why and
 * the tests skip with it. `launchChromium()` starts it with the flags that let
 * it run here: without the background-networking ones it keeps dialling
 * Google's hosts, which the closed network refuses. Its profile is
 * Playwright's own fresh temporary one (`launch()` rejects `--user-data-dir`).
 */

import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium. */
export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/** Launch flags for this machine (see the strategy above). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Bound on each Playwright operation (navigation, click, screenshot) in the e2e tests. */
export const STEP_TIMEOUT_MS = 5_000;

function find(): string | null {
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  try {
    const own = chromium.executablePath();
    if (own !== "" && existsSync(own)) return own;
  } catch {
    // playwright-core knows of no browser of its own here.
  }
  return null;
}

/** The Chromium the e2e tests drive, or `null` when there is none. */
export const CHROMIUM: string | null = find();

/** Why the browser tests skip, or `false` when Chromium is there. */
export const CHROMIUM_SKIP: string | false =
  CHROMIUM === null ? `${DEBIAN_CHROMIUM} not found; install Debian's chromium (scripts/ensure-chromium.sh) to run the browser tests` : false;

/** Starts headless Chromium; the launch itself is bounded by `timeout` ms. Throws when there is none (check `CHROMIUM_SKIP` first). */
export function launchChromium(timeout = STEP_TIMEOUT_MS * 2): Promise<Browser> {
  if (CHROMIUM === null) throw new Error(CHROMIUM_SKIP as string);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout });
}
