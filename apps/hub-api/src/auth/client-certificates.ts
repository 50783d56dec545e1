import { ConfigError, type HubConfig } from '@drehscheibe/config';
import { ClientCertificateSource, InvalidClientCertificateError, type ClientCertificate } from '@drehscheibe/security';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { HUB_CONFIG } from '../core/tokens.js';
import { ProblemError } from '../http/problem.js';

/** A connection's peer certificate, read once per connection (every request on it would ask again). */
const peerCertificates = new WeakMap<TLSSocket, { authorized: boolean; der: Buffer | undefined }>();

function tlsOf(request: FastifyRequest): { authorized: boolean; der: Buffer | undefined } | undefined {
  const socket = request.raw.socket as TLSSocket;
  if (!socket.encrypted) return undefined;
  let known = peerCertificates.get(socket);
  if (!known) {
    const peer = socket.getPeerCertificate();
    known = { authorized: socket.authorized, der: peer && 'raw' in peer ? peer.raw : undefined };
    peerCertificates.set(socket, known);
  }
  return known;
}

/**
 * The client certificate a request presented (RFC 8705): the hub's own
 * handshake, when it verified against HUB_TLS_CLIENT_CA_FILE, or the
 * RFC 9440 header of a configured proxy. Null when there is none.
 */
@Injectable()
export class ClientCertificates {
  private readonly source: ClientCertificateSource;

  constructor(@Inject(HUB_CONFIG) config: HubConfig) {
    try {
      this.source = new ClientCertificateSource({ header: config.tls.clientCertHeader, trustedProxies: config.tls.clientCertProxies });
    } catch (e) {
      throw new ConfigError([`HUB_TLS_CLIENT_CERT_PROXIES: ${(e as Error).message}`]);
    }
  }

  of(request: FastifyRequest): ClientCertificate | null {
    try {
      return this.source.certificateOf({ remoteAddress: request.raw.socket.remoteAddress, tls: tlsOf(request), headers: request.headers });
    } catch (e) {
      if (e instanceof InvalidClientCertificateError)
        throw new ProblemError('malformed-request', `the proxy's client certificate cannot be read: ${e.message}`);
      throw e;
    }
  }
}
