import { Agent, fetch as undiciFetch } from 'undici';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as PEM files in the test's own directory and as bytes. */
export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
  /** The DER encoding (what RFC 9440 and the thumbprint are made of). */
  der: Buffer;
}

/** openssl req's arguments for a new unencrypted P-256 key written to `<name>.key`. */
const newKey = (name: string) => ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`];

/**
 * Certificates made for one test run with the `openssl` CLI (P-256 keys,
 * valid for two days): CAs, a server certificate for 127.0.0.1/localhost,
 * client certificates by subject. Nothing is committed; `dispose` removes
 * the directory.
 */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'hub-pki-'));
  private serial = 0;

  private openssl(...args: string[]): void {
    execFileSync('/usr/bin/openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private read(name: string): IssuedCertificate {
    const certFile = join(this.dir, `${name}.crt`);
    const keyFile = join(this.dir, `${name}.key`);
    const cert = readFileSync(certFile);
    const der = Buffer.from(
      cert
        .toString('utf8')
        .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
        .replace(/\s+/g, ''),
      'base64',
    );
    return { certFile, keyFile, cert, key: readFileSync(keyFile), der };
  }

  /** A self-signed CA. `subject` in openssl's form: `/C=DE/O=…/CN=…`. */
  ca(name: string, subject = `/CN=${name}`): IssuedCertificate {
    this.openssl(
      'req',
      '-x509',
      ...newKey(name),
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      subject,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    return this.read(name);
  }

  /** A certificate issued by `ca`: for a server (127.0.0.1 and localhost) or a client with the given subject. */
  issue(ca: IssuedCertificate, name: string, subject: string, usage: 'server' | 'client', utf8 = false): IssuedCertificate {
    this.openssl('req', '-new', ...newKey(name), '-out', `${name}.csr`, '-subj', subject, ...(utf8 ? ['-utf8'] : []));
    const extensions = join(this.dir, `${name}.ext`);
    writeFileSync(
      extensions,
      usage === 'server'
        ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
        : 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n',
    );
    this.openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
      '-set_serial',
      String(Date.now() * 100 + ++this.serial),
      '-days',
      '2',
      '-out',
      `${name}.crt`,
      '-extfile',
      extensions,
    );
    return this.read(name);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A fetch over HTTPS that trusts `ca` and, when given, presents `client`'s
 * certificate (undici's own fetch: the global one does not take an undici
 * Agent of another version). Shaped like the typed client's `fetch`.
 */
export function tlsFetch(ca: IssuedCertificate, client?: IssuedCertificate): { fetch: (request: Request) => Promise<Response>; close(): Promise<void> } {
  const dispatcher = new Agent({ connect: { ca: ca.cert, ...(client ? { cert: client.cert, key: client.key } : {}) } });
  return {
    fetch: async (request: Request) => {
      const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
      const response = await undiciFetch(request.url, { method: request.method, headers: [...request.headers.entries()], body, dispatcher });
      return response;
    },
    close: () => dispatcher.close(),
  };
}
