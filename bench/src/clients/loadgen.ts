/**
 * Fallback load generator when wrk is not installed (its own process): closed loop over
 * `connections` keep-alive sockets for `durationSec`, latencies in µs, one JSON line out.
 *   node dist/clients/loadgen.js '<LoadSpec JSON>'
 * Slower than wrk (it shares a core with the system under test), so results say which tool ran.
 */
import { Agent, request } from 'node:http';
import type { LoadSpec } from '../lib/load.js';
import { RESULT_MARK } from '../lib/procs.js';
import { summarize } from '../lib/stats.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const url = new URL(spec.url);
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
const body = spec.body !== undefined ? Buffer.from(spec.body) : undefined;
const headers: Record<string, string> = { ...spec.headers };
if (body) {
  headers['content-type'] = 'application/json';
  headers['content-length'] = String(body.length);
}
const lat: number[] = [];
let errors = 0;
const start = performance.now();
const end = start + spec.durationSec * 1000;

function one(): Promise<void> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: spec.method ?? (body ? 'POST' : 'GET'),
        headers,
      },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 400) errors++;
          lat.push((performance.now() - t0) * 1000);
          resolve();
        });
      },
    );
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(body);
  });
}

async function loop(): Promise<void> {
  while (performance.now() < end) await one();
}

await Promise.all(Array.from({ length: spec.connections }, loop));
const s = summarize(lat);
const secs = (performance.now() - start) / 1000;
process.stdout.write(
  `${RESULT_MARK}${JSON.stringify({ requests: lat.length, rps: lat.length / secs, p50Us: s.p50, p90Us: s.p90, p99Us: s.p99, maxUs: s.max, errors })}\n`,
);
agent.destroy();
