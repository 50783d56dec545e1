// Cost of the hub's strict JSON body parser (issue 12, items 8 and 11) on the
// ticket-creation body of the ingest benchmark (about 1 KB), next to what
// Fastify did before (secure-json-parse) and bare JSON.parse. Runs on dist/:
//   npm run build && node bench/strict-json.mjs [--iterations 200000]
import { parseArgs } from 'node:util';
import secureJson from 'secure-json-parse';
import { ticketCreate } from './payload.mjs';

// Built output, not a source file: imported by URL so that type-checking does not need a build.
/** @type {{ parseJsonStrictly: (body: Buffer) => unknown }} */
const { parseJsonStrictly } = await import(new URL('../dist/libs/contracts/src/strict-input.js', import.meta.url).href);

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '200000' } } });
const iterations = Number(values.iterations);

const base = ticketCreate('MILA-2026-000123', { subject: 'Antrag lässt sich nicht absenden 😀' });
// The ingest body with its description told three times: about 1 KB, a realistic ticket.
const plain = Buffer.from(JSON.stringify({ ...base, description: [1, 2, 3].map(() => base.description).join(' ') }));
// The same body with its non-ASCII text written as \u escapes: the path that also checks every string.
const escaped = Buffer.from(
  JSON.stringify(JSON.parse(plain.toString())).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
);

/** @type {Record<string, (body: Buffer) => unknown>} */
const candidates = {
  'JSON.parse': (b) => JSON.parse(b.toString('utf8')),
  'secure-json-parse (Fastify before)': (b) => secureJson.parse(b.toString('utf8'), undefined, { protoAction: 'error', constructorAction: 'error' }),
  'parseJsonStrictly (now)': (b) => parseJsonStrictly(b),
};

/**
 * @param {(body: Buffer) => unknown} fn
 * @param {Buffer} body
 */
function measure(fn, body) {
  for (let i = 0; i < 20_000; i++) fn(body); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(body);
  return Number(process.hrtime.bigint() - start) / iterations / 1000;
}

console.log(`node ${process.version}, ${iterations} iterations per figure`);
for (const [label, body] of /** @type {[string, Buffer][]} */ ([
  ['plain UTF-8 body', plain],
  ['body with \\u escapes', escaped],
])) {
  console.log(`\n${label}: ${body.length} bytes`);
  for (const [name, fn] of Object.entries(candidates)) console.log(`  ${name.padEnd(36)} ${measure(fn, body).toFixed(2)} µs per body`);
}
