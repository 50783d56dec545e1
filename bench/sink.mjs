// The local webhook receiver: a child process (own event loop, so its arrival
// times are not skewed by the load generator) that answers every POST with
// 204 and records when it arrived, per webhook-id. Hub deliveries also carry
// ticketId/ticketVersion in the body, which the end-to-end run matches on.
// Controlled over IPC: { op: 'reset' | 'count' | 'collect' | 'sample', seq } → reply { seq, … }.
import http from 'node:http';

const now = () => performance.timeOrigin + performance.now();
/** @typedef {{ t: number, id: string | string[] | undefined, signed: boolean, path: string, key: string | undefined }} Arrival */

/** @type {Arrival[]} */
let arrivals = [];
/** @type {string | undefined} */
let sample; // the newest hub delivery body, for the raw BullMQ baseline's payload
/** @param {object} message */
const reply = (message) => /** @type {NonNullable<typeof process.send>} */ (process.send)(message);

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  /** @type {Buffer[]} */
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const t = now();
    const challenge = verificationChallenge(chunks);
    // The hub verifies a new endpoint before delivering: echo its challenge; it is no delivery, so not counted.
    if (challenge !== undefined) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge }));
    res.writeHead(req.method === 'POST' ? 204 : 200).end();
    if (req.method !== 'POST') return;
    /** @type {string | undefined} */
    let key;
    if (url.startsWith('/participants/')) {
      try {
        sample = Buffer.concat(chunks).toString('utf8');
        const body = JSON.parse(sample);
        key = `${body.ticketId}/${body.ticketVersion}`;
      } catch {
        // not a ticket event
      }
    }
    arrivals.push({ t, id: req.headers['webhook-id'], signed: typeof req.headers['webhook-signature'] === 'string', path: url, key });
  });
});
server.keepAliveTimeout = 30_000;

/**
 * @param {Buffer[]} chunks
 * @returns {string | undefined} the challenge of an `endpoint.verification` body
 */
function verificationChallenge(chunks) {
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.includes('"endpoint.verification"')) return undefined;
  try {
    const body = JSON.parse(text);
    return body.type === 'endpoint.verification' && typeof body.challenge === 'string' ? body.challenge : undefined;
  } catch {
    return undefined;
  }
}

process.on('message', (/** @type {{ op: 'reset' | 'count' | 'collect' | 'sample', seq: number }} */ { op, seq }) => {
  if (op === 'reset') arrivals = [];
  if (op === 'collect') return reply({ seq, arrivals });
  if (op === 'sample') return reply({ seq, sample });
  reply({ seq, count: arrivals.length, last: arrivals.at(-1)?.t });
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => reply({ seq: 0, port: /** @type {import('node:net').AddressInfo} */ (server.address()).port }));
