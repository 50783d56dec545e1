// Reads a V8 .cpuprofile for a first look at where the time goes:
//  - self time per function;
//  - time per area (npm package, hub library, Node internals), where native
//    and Node-internal frames are charged to the nearest package or hub
//    frame that called them (a socket write under pg counts as pg).
// The sampler runs on wall-clock ticks: on a saturated machine a native call
// that wakes another process (a loopback write to PostgreSQL) also collects
// the time this process then waits for a CPU. CPU ms per request per process
// (run.mjs) is the steadier figure; this shows the shape inside one process.

/**
 * @typedef {object} CpuProfile a V8 .cpuprofile
 * @property {{ id: number, children?: number[], callFrame: { functionName: string, url: string, lineNumber: number } }[]} nodes
 * @property {number[]} samples
 * @property {number[]} timeDeltas
 */

/** @param {string} url */
function areaOf(url) {
  if (!url) return null;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = /\/dist\/(apps|libs)\/([^/]+)\//.exec(url);
  if (dist) return `hub ${dist[1]}/${dist[2]}`;
  if (url.startsWith('node:')) return null;
  return url.replace(/^.*\//, '');
}

/**
 * @param {CpuProfile} profile
 * @param {number} [limit]
 * @returns {{ totalMs: number, top: { fn: string, where: string, selfMs: number, pct: number }[], areas: { area: string, ms: number, pct: number }[] }}
 */
export function analyzeProfile(profile, limit = 15) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<number, number>} */
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** @type {Map<number, number>} */
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + delta);
  }
  /** The area a sample is charged to: the nearest frame from a package or the hub, else a V8 pseudo-frame or Node. */
  /** @param {number} id */
  const node = (id) => /** @type {CpuProfile['nodes'][number]} */ (byId.get(id));
  /** @param {number} id */
  const chargedArea = (id) => {
    const leaf = node(id).callFrame;
    if (!leaf.url && leaf.functionName.startsWith('(')) return leaf.functionName; // (idle), (garbage collector), (program)
    for (let /** @type {number | undefined} */ at = id; at !== undefined; at = parent.get(at)) {
      const area = areaOf(node(at).callFrame.url);
      if (area) return area;
    }
    return 'node internals';
  };
  /** @type {Map<string, { fn: string, where: string, selfMs: number }>} */
  const fns = new Map();
  /** @type {Map<string, number>} */
  const areas = new Map();
  let total = 0;
  for (const [id, ms] of self) {
    const { callFrame: f } = node(id);
    total += ms;
    const where = f.url ? `${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`;
    const entry = fns.get(key) ?? { fn: f.functionName || '(anonymous)', where, selfMs: 0 };
    entry.selfMs += ms;
    fns.set(key, entry);
    const area = chargedArea(id);
    areas.set(area, (areas.get(area) ?? 0) + ms);
  }
  /** @param {number} ms */
  const pct = (ms) => Math.round((1000 * ms) / total) / 10;
  return {
    totalMs: Math.round(total),
    top: [...fns.values()]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, limit)
      .map((e) => ({ ...e, selfMs: Math.round(e.selfMs), pct: pct(e.selfMs) })),
    areas: [...areas]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, ms]) => ({ area: name, ms: Math.round(ms), pct: pct(ms) })),
  };
}
