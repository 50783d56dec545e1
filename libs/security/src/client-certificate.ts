import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export class InvalidClientCertificateError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidClientCertificateError';
  }
}

/** The short names RFC 4514 §3 lists, and the OIDs that may stand for them (compared by short name). */
const ATTRIBUTE_ALIASES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'EMAILADDRESS',
  E: 'EMAILADDRESS',
  S: 'ST',
  SN: 'SN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'SERIALNUMBER',
};

type Rdn = { type: string; value: string }[];

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Splits at `separator` where it is not escaped with a backslash (RFC 4514 §2.4). */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i];
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** A value's escapes undone: `\,` → `,`, `\C3\BC` → `ü` (hex pairs are UTF-8 bytes). */
function unescapeValue(raw: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\') {
      const hex = raw.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else if (i + 1 < raw.length) {
        bytes.push(...Buffer.from(raw[++i], 'utf8'));
      } else {
        throw new InvalidClientCertificateError('a distinguished name ends with a lone backslash');
      }
    } else {
      bytes.push(...Buffer.from(raw[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseRdn(text: string): Rdn {
  return splitUnescaped(text, '+')
    .map((attribute) => {
      const eq = attribute.indexOf('=');
      if (eq <= 0) throw new InvalidClientCertificateError(`"${attribute.trim()}" is not an attribute=value pair`);
      const type = attribute.slice(0, eq).trim().toUpperCase();
      const value = unescapeValue(attribute.slice(eq + 1).trim());
      if (value.startsWith('#')) throw new InvalidClientCertificateError('hex-encoded (#…) attribute values are not supported; write the value as text');
      // caseIgnoreMatch with insignificant space handling (RFC 4518), as far as certificate subjects need it.
      return { type: ATTRIBUTE_ALIASES[type] ?? type, value: value.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase() };
    })
    .sort((a, b) => compare(a.type + '=' + a.value, b.type + '=' + b.value));
}

/**
 * A distinguished name as RFC 8705 §2.1.2 compares them (RFC 4517
 * distinguishedNameMatch): the same RDNs in the same order, attribute types
 * by name, values case-insensitively with runs of spaces as one.
 */
export class DistinguishedName {
  private constructor(private readonly rdns: Rdn[]) {}

  /** An RFC 4514 string, most specific RDN first: `CN=mila-client,O=Land MV,C=DE`. */
  static parse(text: string): DistinguishedName {
    if (text.trim() === '') throw new InvalidClientCertificateError('a distinguished name is empty');
    return new DistinguishedName(splitUnescaped(text, ',').map(parseRdn));
  }

  /** Node's `X509Certificate.subject`: one RDN per line, in encoding order (least specific first), escaped as RFC 2253 does. */
  static ofCertificate(certificate: X509Certificate): DistinguishedName {
    return new DistinguishedName(splitUnescaped(certificate.subject, '\n').map(parseRdn).reverse());
  }

  equals(other: DistinguishedName): boolean {
    return (
      this.rdns.length === other.rdns.length &&
      this.rdns.every(
        (rdn, i) => rdn.length === other.rdns[i].length && rdn.every((a, j) => a.type === other.rdns[i][j].type && a.value === other.rdns[i][j].value),
      )
    );
  }
}

/**
 * A client certificate, as the TLS handshake (or a trusted proxy) presented
 * it. Its thumbprint is what a bound access token carries (RFC 8705 §3.1,
 * `cnf` member `x5t#S256`: base64url of the SHA-256 of the DER encoding).
 */
export class ClientCertificate {
  readonly thumbprint: string;

  private constructor(private readonly x509: X509Certificate) {
    this.thumbprint = createHash('sha256').update(x509.raw).digest('base64url');
  }

  static fromDer(der: Buffer): ClientCertificate {
    try {
      return new ClientCertificate(new X509Certificate(der));
    } catch {
      throw new InvalidClientCertificateError('not a DER-encoded X.509 certificate');
    }
  }

  /**
   * A proxy's certificate header: RFC 9440 `Client-Cert`, a structured-field
   * byte sequence (RFC 8941 §3.3.5), the DER in base64 between colons — or
   * the URL-encoded PEM that nginx's `$ssl_client_escaped_cert` gives (nginx
   * has no variable in the RFC 9440 form).
   */
  static fromClientCertHeader(value: string): ClientCertificate {
    const trimmed = value.trim();
    if (trimmed.startsWith('-----BEGIN%20CERTIFICATE-----')) return ClientCertificate.fromEscapedPem(trimmed);
    const match = /^:([A-Za-z0-9+/]*={0,2}):$/.exec(trimmed);
    if (!match || match[1].length % 4 !== 0) {
      throw new InvalidClientCertificateError(
        'the header is neither an RFC 9440 byte sequence (:base64 of the DER certificate:) nor a URL-encoded PEM certificate',
      );
    }
    return ClientCertificate.fromDer(Buffer.from(match[1], 'base64'));
  }

  private static fromEscapedPem(escaped: string): ClientCertificate {
    let pem: string;
    try {
      pem = decodeURIComponent(escaped);
    } catch {
      throw new InvalidClientCertificateError('the URL-encoded PEM certificate is not URL-encoded');
    }
    // Only the first certificate: the client's own, not a chain after it.
    const first = /^-----BEGIN CERTIFICATE-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END CERTIFICATE-----/.exec(pem);
    if (!first) throw new InvalidClientCertificateError('the URL-encoded PEM certificate is not a PEM certificate');
    return ClientCertificate.fromDer(Buffer.from(first[1].replace(/\s+/g, ''), 'base64'));
  }

  /** Whether the subject is the registered DN (`tls_client_auth`, RFC 8705 §2.1.2). */
  hasSubject(registered: string): boolean {
    return DistinguishedName.ofCertificate(this.x509).equals(DistinguishedName.parse(registered));
  }

  /** Whether a bound token's `x5t#S256` names this certificate. */
  matches(thumbprint: string): boolean {
    const a = Buffer.from(this.thumbprint);
    const b = Buffer.from(thumbprint);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** What one request's connection offers about a client certificate. */
export interface PresentedConnection {
  /** The address the connection comes from (not a forwarded one). */
  remoteAddress: string | undefined;
  /** For a TLS connection: whether the peer's certificate verified against the configured CAs, and its DER. */
  tls?: { authorized: boolean; der: Buffer | undefined };
  headers: Record<string, string | string[] | undefined>;
}

export interface ClientCertificateSourceOptions {
  /** The header a TLS-terminating proxy puts the certificate in (RFC 9440 `Client-Cert`); null: none is read. */
  header: string | null;
  /** Addresses and CIDR ranges whose `header` is believed; from any other address the header is ignored. */
  trustedProxies: readonly string[];
}

const unmapped = (address: string) => (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address);

/**
 * Where a request's client certificate comes from: the hub's own TLS
 * handshake (only a certificate that verified against the configured CA),
 * or, from a configured proxy only, the proxy's header. A proxy's own
 * connection certificate never stands for its clients'.
 */
export class ClientCertificateSource {
  private readonly proxies = new BlockList();
  private readonly header: string | null;

  constructor(options: ClientCertificateSourceOptions) {
    this.header = options.header?.toLowerCase() ?? null;
    for (const entry of options.trustedProxies) {
      const [address, prefix] = entry.split('/');
      const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
      if (!type) throw new RangeError(`${entry} is not an IP address or CIDR range`);
      if (prefix === undefined) this.proxies.addAddress(address, type);
      else this.proxies.addSubnet(address, Number(prefix), type);
    }
  }

  /** Whether the connection comes from a configured proxy (and a header is configured at all). */
  private fromProxy(remoteAddress: string | undefined): boolean {
    if (!this.header || !remoteAddress) return false;
    const address = unmapped(remoteAddress);
    return this.proxies.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
  }

  /** The request's certificate, or null; throws InvalidClientCertificateError when a trusted proxy sent one that cannot be read. */
  certificateOf(connection: PresentedConnection): ClientCertificate | null {
    if (this.fromProxy(connection.remoteAddress)) {
      const value = connection.headers[this.header!];
      if (value === undefined || value === '') return null;
      if (Array.isArray(value)) throw new InvalidClientCertificateError(`more than one ${this.header} header`);
      return ClientCertificate.fromClientCertHeader(value);
    }
    const tls = connection.tls;
    return tls?.authorized && tls.der && tls.der.length > 0 ? ClientCertificate.fromDer(tls.der) : null;
  }
}
