// Preloaded into a hub process with `node --import` when the benchmark runs
// with --profile. Creating `$BENCH_CPU_PROFILE.start` starts the V8 sampling
// profiler; creating `$BENCH_CPU_PROFILE.stop` stops it and writes the profile
// to $BENCH_CPU_PROFILE (.cpuprofile format), so only the measured window is
// profiled. (Files, not signals: Nest's shutdown hooks take SIGUSR2 too.)
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env.BENCH_CPU_PROFILE;
if (file) {
  const session = new Session();
  session.connect();
  let running = false;
  setInterval(() => {
    if (!running && existsSync(`${file}.start`)) {
      rmSync(`${file}.start`, { force: true });
      running = true;
      session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')));
    } else if (running && existsSync(`${file}.stop`)) {
      rmSync(`${file}.stop`, { force: true });
      running = false;
      session.post('Profiler.stop', (err, result) => writeFileSync(file, JSON.stringify(err ? { error: err.message } : result.profile)));
    }
  }, 50).unref();
}
