// CPU accounting (Linux /proc): user+system time per process group, to show
// which process spends the CPU a request costs.
import { readdirSync, readFileSync } from 'node:fs';

/** @typedef {Record<string, number>} CpuSnapshot CPU ms per process group */

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

/**
 * @param {number | string} pid
 * @returns {{ ppid: number, ms: number, reapedMs: number } | null}
 */
function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime + stime; cutime + cstime hold the time of children already reaped (ended backends).
    return { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * CLOCK_TICK_MS, reapedMs: (Number(f[13]) + Number(f[14])) * CLOCK_TICK_MS };
  } catch {
    return null;
  }
}

/**
 * CPU ms used so far by each group ({ name: pid }). For names in
 * `withChildren` (the postmaster) the children count too, live and ended.
 * @param {Record<string, number | undefined>} groups
 * @param {string[]} [withChildren]
 * @returns {CpuSnapshot}
 */
export function cpuSnapshot(groups, withChildren = []) {
  /** @type {CpuSnapshot} */
  const out = {};
  /** @type {string[] | undefined} */
  let all;
  for (const [name, pid] of Object.entries(groups)) {
    if (!pid) continue;
    const own = procStat(pid);
    let ms = own?.ms ?? 0;
    if (withChildren.includes(name)) {
      ms += own?.reapedMs ?? 0;
      all ??= readdirSync('/proc').filter((d) => /^\d+$/.test(d));
      for (const other of all) {
        const child = procStat(other);
        if (child?.ppid === pid) ms += child.ms;
      }
    }
    out[name] = ms;
  }
  return out;
}

/**
 * CPU ms per unit of work between two snapshots, rounded to 0.01 ms.
 * @param {CpuSnapshot} before
 * @param {CpuSnapshot} after
 * @param {number} units
 * @returns {CpuSnapshot}
 */
export function cpuPer(before, after, units) {
  return Object.fromEntries(Object.keys(after).map((k) => [k, Math.round((100 * (after[k] - (before[k] ?? 0))) / units) / 100]));
}

/** CPU ms the whole machine spent busy so far (all CPUs, /proc/stat). */
export function machineBusyMs() {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + (steal ?? 0)) * CLOCK_TICK_MS;
  } catch {
    return NaN;
  }
}
