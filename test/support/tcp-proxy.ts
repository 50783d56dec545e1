import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

/**
 * A real TCP proxy between the hub and one of its servers, for outage tests:
 * `refuse` cuts every open connection and every new one at once (what
 * clients see when the server is gone); `blackhole` accepts connections and
 * never answers (a hung server or a dropped route); `forward` restores the
 * path. Without a target (a server not started yet) every connection is cut
 * at once too. The proxy keeps its port for its whole life, so the hub's
 * configured URL stays valid while the server behind it comes and goes on
 * whatever port is free: no other process can take a port in between, as
 * it can a port that was only reserved, or closed for an outage.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private current: ProxyMode = 'forward';

  private target?: { host: string; port: number };
  port = 0;

  static async start(targetUrl?: string): Promise<TcpProxy> {
    const proxy = new TcpProxy();
    if (targetUrl) proxy.retarget(targetUrl);
    await proxy.listen();
    return proxy;
  }

  /** Sends new connections to the server at `url` (its host and port). */
  retarget(url: string): void {
    const u = new URL(url);
    this.target = { host: u.hostname, port: Number(u.port) };
  }

  /** `url` with its host and port replaced by the proxy's. */
  route(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get mode(): ProxyMode {
    return this.current;
  }

  setMode(mode: ProxyMode): void {
    this.current = mode;
    if (mode !== 'forward') this.cutAll();
  }

  async close(): Promise<void> {
    this.cutAll();
    await this.unlisten();
  }

  /** Resets (TCP RST) every open connection, as a crashed server or a firewall does: the peers see ECONNRESET. */
  private cutAll(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private listen(): Promise<void> {
    const server = createServer((client) => {
      this.track(client);
      if (this.current === 'blackhole') return; // accepted, never answered
      if (this.current === 'refuse' || !this.target) {
        client.resetAndDestroy(); // the server is gone, or not there yet
        return;
      }
      const upstream = connect(this.target.port, this.target.host);
      this.track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private unlisten(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
