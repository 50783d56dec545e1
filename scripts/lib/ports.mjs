// Free TCP ports on 127.0.0.1 for the servers and apps the scripts and tests start.
//
// A port found free is often bound only later (PostgreSQL after initdb, an app
// after it booted). A port from the kernel's ephemeral range can be taken in
// between by any outgoing connection on the machine, so ports are handed out
// from below that range, where only explicit listeners go. Each jest worker gets
// its own slice, so parallel test files never hand out the same port, and a
// process never hands out a port twice.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 15_000;
const SLICES = 16;

/** The first port the kernel uses for outgoing connections (Linux; 32768 elsewhere, IANA's range is higher still). */
function ephemeralStart() {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > LOWEST + SLICES * 100 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

const width = Math.floor((ephemeralStart() - LOWEST) / SLICES);
const slice = Number(process.env.JEST_WORKER_ID ?? 0) % SLICES;
const sliceStart = LOWEST + slice * width;
let next = Math.floor(Math.random() * width);

/**
 * A TCP port on 127.0.0.1 that is free now and that no other caller in this
 * process or another jest worker is handed.
 * @returns {Promise<number>}
 */
export async function findFreePort() {
  for (let tries = 0; tries < width; tries++) {
    const port = sliceStart + (next++ % width);
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free TCP port in ${sliceStart}-${sliceStart + width - 1}`);
}

/**
 * Whether `port` can be bound on 127.0.0.1 right now.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export function isPortFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
