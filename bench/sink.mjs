// The local webhook receiver: a child process (own event loop, so its arrival
// times are not skewed by the load generator) that answers every POST with
// 204 and records when it arrived, per webhook-id. Hub deliveries also carry
// ticketId/ticketVersion in the body, which the end-to-end run matches on.
// Controlled over IPC: { op: 'reset' | 'count' | 'collect' | 'sample', seq } → reply { seq, … }.
import http from 'node:http';

const now = () => performance.timeOrigin + performance.now();
let arrivals = [];
let sample; // the newest hub delivery body, for the raw BullMQ baseline's payload

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const t = now();
    res.writeHead(req.method === 'POST' ? 204 : 200).end();
    if (req.method !== 'POST') return;
    let key;
    if (req.url.startsWith('/participants/')) {
      try {
        sample = Buffer.concat(chunks).toString('utf8');
        const body = JSON.parse(sample);
        key = `${body.ticketId}/${body.ticketVersion}`;
      } catch {
        // not a ticket event
      }
    }
    arrivals.push({ t, id: req.headers['webhook-id'], signed: typeof req.headers['webhook-signature'] === 'string', path: req.url, key });
  });
});
server.keepAliveTimeout = 30_000;

process.on('message', ({ op, seq }) => {
  if (op === 'reset') arrivals = [];
  if (op === 'collect') return process.send({ seq, arrivals });
  if (op === 'sample') return process.send({ seq, sample });
  process.send({ seq, count: arrivals.length, last: arrivals.at(-1)?.t });
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => process.send({ seq: 0, port: server.address().port }));
