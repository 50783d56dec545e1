import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Registered endpoint URLs are an SSRF risk (DESIGN.md section 9): the hub
 * must never be talked into calling its own network. Only globally routable
 * unicast addresses are allowed, unless configuration allows private targets
 * (demo and tests).
 */
export class EndpointNotAllowedError extends Error {
  readonly code = 'ENDPOINT_NOT_ALLOWED';
  constructor(message: string) {
    super(message);
    this.name = 'EndpointNotAllowedError';
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has; the system resolver unless a test passes its own. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** IPv6 prefixes that carry an IPv4 address: the IPv4 address decides. */
const EMBEDS_IPV4 = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052', '6to4']);
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

function ipv4Reason(ip: ipaddr.IPv4): string | null {
  const range = ip.range();
  return range === 'unicast' ? null : range;
}

/** The IPv4 address inside a NAT64 (RFC 6052), 6to4, IPv4-mapped or RFC 6145 address. */
function embeddedIpv4(ip: ipaddr.IPv6, range: string): ipaddr.IPv4 {
  const bytes = ip.toByteArray();
  // 6to4 carries it in bits 16-47; the others in the last 32 bits.
  const at = range === '6to4' ? 2 : 12;
  return new ipaddr.IPv4(bytes.slice(at, at + 4));
}

/**
 * Why the hub must not connect to this address (the range's name from
 * ipaddr.js, e.g. `private`, `loopback`, `reserved`), or null when it may.
 * Anything that is not a plain global unicast address is refused; IPv6
 * forms that embed an IPv4 address are judged by that address, so NAT64
 * and 6to4 cannot smuggle in 169.254.169.254.
 */
export function blockedAddressReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv4') return ipv4Reason(ip as ipaddr.IPv4);
  const v6 = ip as ipaddr.IPv6;
  const range = v6.range();
  if (EMBEDS_IPV4.has(range)) {
    const inner = ipv4Reason(embeddedIpv4(v6, range));
    return inner === null ? null : `${range} of ${inner}`;
  }
  if (range !== 'unicast') return range;
  // ipaddr.js calls everything outside its special list unicast; IPv4-compatible
  // (::a.b.c.d) and other unallocated space are not global unicast.
  if (!v6.match(GLOBAL_UNICAST_V6)) return 'not global unicast';
  return null;
}

function assertAddressAllowed(address: string): void {
  const reason = blockedAddressReason(address);
  if (reason !== null) throw new EndpointNotAllowedError(`the endpoint resolves to a non-public address (${address}: ${reason})`);
}

/**
 * Checks endpoint URLs and supplies the one DNS lookup a connection may use.
 * The delivery sender connects through `lookup`, so the address that was
 * checked is the address that is called: no second resolution, no
 * DNS-rebinding window between check and connect.
 */
export class EndpointPolicy {
  constructor(
    readonly allowPrivate: boolean,
    private readonly resolve: Resolver = systemResolver,
  ) {}

  /**
   * Scheme and credentials, and a literal IP host (connections skip the
   * lookup for those). Returns the host without IPv6 brackets, and whether
   * it is a literal address.
   */
  checkUrl(url: string): { host: string; literal: boolean } {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new EndpointNotAllowedError('the endpoint is not a valid URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new EndpointNotAllowedError('the endpoint must use http or https');
    if (parsed.username || parsed.password) throw new EndpointNotAllowedError('the endpoint must not carry credentials');
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const literal = isIP(host) !== 0;
    if (!this.allowPrivate && literal) assertAddressAllowed(host);
    return { host, literal };
  }

  /** For registration: the URL and every address its host resolves to now. */
  async assertAllowed(url: string): Promise<void> {
    const { host, literal } = this.checkUrl(url);
    if (this.allowPrivate || literal) return;
    for (const { address } of await this.resolve(host)) assertAddressAllowed(address);
  }

  /**
   * A `net`/`tls` lookup function that resolves once and refuses the host if
   * any of its addresses is not allowed (an attacker's DNS may mix a public
   * address with a private one).
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname).then(
      (addresses) => {
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = addresses.filter((a) => family === 0 || a.family === family);
        try {
          if (!this.allowPrivate) for (const { address } of addresses) assertAddressAllowed(address);
          if (usable.length === 0) throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
        } catch (e) {
          callback(e as NodeJS.ErrnoException, '', 0);
          return;
        }
        if (options.all) (callback as unknown as (err: null, addresses: ResolvedAddress[]) => void)(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      },
      (e: NodeJS.ErrnoException) => callback(e, '', 0),
    );
  };
}
