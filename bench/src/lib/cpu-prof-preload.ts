/**
 * Preload (`NODE_OPTIONS=--import=<this file>`) that profiles the whole process like
 * `--cpu-prof`, which Node 20 refuses in NODE_OPTIONS. Writes
 * `$BENCH_CPU_PROF_DIR/CPU.<pid>.cpuprofile` on exit (the data plane exits on SIGTERM).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  process.once('exit', () => {
    // In-thread inspector sessions answer synchronously, so this completes before exit.
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `CPU.${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
