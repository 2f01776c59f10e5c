/**
 * The URLs the command prints: `host:port` as a URL authority, and the LAN
 * URLs listed under the banner when bound to all interfaces.
 */

import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

/** `host:port`, with an IPv6 host in brackets, as in a URL. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** Whether an IPv6 address is link-local (fe80::/10): unusable in a URL without a zone. */
function isLinkLocal(address: string): boolean {
  return /^fe[89ab]/i.test(address);
}

/**
 * Extension (not in CPython): the URLs this machine can be reached at when
 * bound to all interfaces — non-internal IPv4 addresses first, then global
 * IPv6 ones when bound dual-stack — as `[url, interface]` pairs. Empty when
 * bound to one address.
 */
export function lanUrls(
  boundHost: string,
  port: number,
  scheme = "http",
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): [url: string, iface: string][] {
  if (boundHost !== "::" && boundHost !== "0.0.0.0") return [];
  const v4: [string, string][] = [];
  const v6: [string, string][] = [];
  const seen = new Set<string>();
  for (const [name, addresses] of Object.entries(interfaces)) {
    for (const a of addresses ?? []) {
      if (a.internal || seen.has(a.address)) continue;
      if (a.family === "IPv4") v4.push([`${scheme}://${hostPort(a.address, port)}/`, name]);
      else if (boundHost === "::" && !isLinkLocal(a.address)) v6.push([`${scheme}://${hostPort(a.address, port)}/`, name]);
      else continue;
      seen.add(a.address);
    }
  }
  return [...v4, ...v6];
}

