import { BlockList, isIP } from "node:net";

/** Who may read /metrics when the config says nothing: this machine only. */
export const LOOPBACK_ONLY = ["127.0.0.0/8", "::1/128"] as const;

/** Whether `entry` is an IPv4 or IPv6 address, optionally with a /prefix length: the problem, or null. */
export function cidrProblem(entry: string): string | null {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return "must be an IP address or a CIDR range such as 10.0.0.0/8";
  if (prefix === undefined) return null;
  const bits = Number(prefix);
  const max = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(prefix) || bits > max) return `the prefix length must be 0 to ${max}`;
  return null;
}

/** Checks client addresses against CIDR ranges; IPv4 clients seen on an IPv6 socket (::ffff:a.b.c.d) count as IPv4. */
export class AllowList {
  readonly #list = new BlockList();

  /** The entries must be valid (see cidrProblem). */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address = "", prefix] = entry.split("/");
      const type = isIP(address) === 4 ? "ipv4" : "ipv6";
      this.#list.addSubnet(address, prefix === undefined ? (type === "ipv4" ? 32 : 128) : Number(prefix), type);
    }
  }

  allows(address: string | undefined): boolean {
    if (address === undefined) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (mapped !== undefined) return this.#list.check(mapped, "ipv4");
    const family = isIP(address);
    if (family === 0) return false;
    return this.#list.check(address, family === 4 ? "ipv4" : "ipv6");
  }
}
