/**
 * Server addresses: Python's `(host, port)` tuples, and `socket.getfqdn()`.
 */

import { lookup, lookupService } from "node:dns/promises";
import { hostname } from "node:os";
import { FQDN_TIMEOUT } from "../protocol/limits.js";

/** `[host, port]`: `""` means all interfaces, port 0 an ephemeral port. */
export type ServerAddress = [host: string, port: number];

/** Python's `address_family` values. */
export type AddressFamily = "AF_INET" | "AF_INET6";

function withTimeout<T>(p: Promise<T>, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback), FQDN_TIMEOUT * 1000);
    timer.unref();
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}

/**
 * Python's `socket.getfqdn(name)`: the host name of `name` (the local host for
 * an empty or wildcard address), by reverse lookup; `name` itself when the
 * lookup fails. Bounded in time: a slow resolver cannot delay start-up.
 */
export async function getfqdn(name = ""): Promise<string> {
  let host = name.trim();
  if (host === "" || host === "0.0.0.0" || host === "::") host = hostname();
  const resolve = async (): Promise<string> => {
    const { address } = await lookup(host);
    const { hostname: reverse } = await lookupService(address, 0);
    return reverse;
  };
  return withTimeout(resolve(), host);
}
