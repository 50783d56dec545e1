import { ConfigError, type TlsConfig } from '@drehscheibe/config';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import { createSecureContext } from 'node:tls';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * The HTTPS options of the API's listener, from the files HUB_TLS_* name,
 * or null when the API speaks plain HTTP. Every file is read and parsed
 * here, at start: a missing file, a key that is not one (or is encrypted),
 * a key that does not belong to the certificate, a CA file without a
 * certificate stop the start with a ConfigError naming each.
 */
export function tlsServerOptions(tls: TlsConfig): ServerOptions | null {
  if (!tls.certFile || !tls.keyFile) return null;
  const problems: string[] = [];
  const read = (variable: string, file: string): Buffer | null => {
    try {
      return readFileSync(file);
    } catch (e) {
      problems.push(`${variable}: ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      return null;
    }
  };
  const cert = read('HUB_TLS_CERT_FILE', tls.certFile);
  const key = read('HUB_TLS_KEY_FILE', tls.keyFile);
  const ca = tls.clientCaFile ? read('HUB_TLS_CLIENT_CA_FILE', tls.clientCaFile) : null;
  let certificate: X509Certificate | undefined;
  let privateKey: KeyObject | undefined;
  if (cert) {
    try {
      certificate = new X509Certificate(cert);
    } catch {
      problems.push(`HUB_TLS_CERT_FILE: ${tls.certFile} holds no PEM certificate`);
    }
  }
  if (key) {
    try {
      privateKey = createPrivateKey(key);
    } catch {
      problems.push(`HUB_TLS_KEY_FILE: ${tls.keyFile} holds no unencrypted PEM private key`);
    }
  }
  if (certificate && privateKey && !certificate.checkPrivateKey(privateKey)) {
    problems.push(`HUB_TLS_KEY_FILE: the key in ${tls.keyFile} does not belong to the certificate in ${tls.certFile}`);
  }
  if (ca) {
    const blocks = ca.toString('utf8').match(PEM_CERTIFICATE) ?? [];
    const unreadable = blocks.filter((block) => {
      try {
        return !new X509Certificate(block).ca;
      } catch {
        return true;
      }
    });
    if (blocks.length === 0) problems.push(`HUB_TLS_CLIENT_CA_FILE: ${tls.clientCaFile} holds no PEM certificate`);
    else if (unreadable.length > 0) problems.push(`HUB_TLS_CLIENT_CA_FILE: ${tls.clientCaFile} holds certificates that are not CA certificates`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const options: ServerOptions = {
    cert: cert!,
    key: key!,
    minVersion: 'TLSv1.2',
    ...(ca && tls.clientAuth !== 'off' ? { ca, requestCert: true, rejectUnauthorized: tls.clientAuth === 'required' } : {}),
  };
  try {
    createSecureContext(options);
  } catch (e) {
    throw new ConfigError([`HUB_TLS_*: the certificate, key and CA files do not make a TLS context (${(e as Error).message})`]);
  }
  return options;
}
