import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TestPki, tlsFetch, type IssuedCertificate } from '../support/certificates.js';
import { hubEnvironment, testServers } from '../support/environment.js';
import { eventually } from '../support/stack.js';

/**
 * The built API (dist/, as `npm start` runs it) terminating TLS itself:
 * with client certificates required it serves only clients with one from
 * its CA; with a TLS file it cannot read it does not start (exit 78, the
 * configuration fault) and says which.
 */
const MAIN = join(process.cwd(), 'dist/apps/hub-api/src/main.js');

let pki: TestPki;
let ca: IssuedCertificate;
let server: IssuedCertificate;
let client: IssuedCertificate;
beforeAll(() => {
  pki = new TestPki();
  ca = pki.ca('ca');
  server = pki.issue(ca, 'server', '/CN=localhost', 'server');
  client = pki.issue(ca, 'client', '/CN=operator-probe', 'client');
});
afterAll(() => pki?.dispose());

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

function startApi(env: Record<string, string>) {
  const { databaseUrl, redisUrl } = testServers();
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...hubEnvironment(databaseUrl, redisUrl, env) }, stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

it('serves HTTPS with client certificates required: a client of its CA gets in, one without a certificate does not', async () => {
  const port = await freePort();
  const api = startApi({
    PORT: String(port),
    HUB_TLS_CERT_FILE: server.certFile,
    HUB_TLS_KEY_FILE: server.keyFile,
    HUB_TLS_CLIENT_CA_FILE: ca.certFile,
    HUB_TLS_CLIENT_AUTH: 'required',
  });
  const withCertificate = tlsFetch(ca, client);
  const without = tlsFetch(ca);
  try {
    const live = await eventually('the API answers over HTTPS', async () => {
      try {
        return await withCertificate.fetch(new Request(`https://127.0.0.1:${port}/health/live`));
      } catch {
        return undefined;
      }
    });
    expect(live.status).toBe(200);
    await expect(without.fetch(new Request(`https://127.0.0.1:${port}/health/live`))).rejects.toThrow();
  } finally {
    api.child.kill('SIGTERM');
    await api.exited;
    await withCertificate.close();
    await without.close();
  }
});

it('does not start with a TLS key it cannot read: exit 78, naming the setting', async () => {
  const missing = join(pki.dir, 'missing.key');
  const api = startApi({ PORT: String(await freePort()), HUB_TLS_CERT_FILE: server.certFile, HUB_TLS_KEY_FILE: missing });
  expect(await api.exited).toBe(78);
  expect(api.stderr()).toContain(`HUB_TLS_KEY_FILE: ${missing} cannot be read (ENOENT)`);
});
