import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULT_MARK, type Procs } from './procs.js';

/** One closed-loop load run against one URL. */
export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  connections: number;
  durationSec: number;
}

/** Result of a load run; latencies in microseconds. */
export interface LoadResult {
  requests: number;
  rps: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  /** Socket errors plus responses with status >= 400. */
  errors: number;
  tool: 'wrk' | 'node';
}

let wrkPath: string | null | undefined;

/** Path of wrk when installed (Debian package `wrk`), else null. */
export function findWrk(): string | null {
  if (wrkPath !== undefined) return wrkPath;
  try {
    wrkPath = execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || null;
  } catch {
    wrkPath = null;
  }
  if (process.env.BENCH_NO_WRK === '1') wrkPath = null;
  return wrkPath;
}

const lua = (s: string): string => JSON.stringify(s); // a JSON string literal is a valid Lua string literal for ASCII

/** The wrk Lua script: request shape plus a done() hook printing one JSON result line. */
export function wrkScript(spec: LoadSpec): string {
  const lines = [`wrk.method = ${lua(spec.method ?? (spec.body ? 'POST' : 'GET'))}`];
  if (spec.body !== undefined) lines.push(`wrk.body = ${lua(spec.body)}`, `wrk.headers["Content-Type"] = "application/json"`);
  for (const [k, v] of Object.entries(spec.headers ?? {})) lines.push(`wrk.headers[${lua(k)}] = ${lua(v)}`);
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    `  io.write(string.format('${RESULT_MARK}{"requests":%d,"duration_us":%d,"errors":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}\\n',`,
    '    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,',
    '    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))',
    'end',
  );
  return lines.join('\n') + '\n';
}

interface WrkJson {
  requests: number;
  duration_us: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const loadgenJs = fileURLToPath(new URL('../clients/loadgen.js', import.meta.url));

/** Run one load from a separate process: wrk -t1 when installed, else the node load generator. */
export async function runLoad(procs: Procs, spec: LoadSpec, scriptDir: string): Promise<LoadResult> {
  const wrk = findWrk();
  const timeoutMs = (spec.durationSec + 20) * 1000;
  if (wrk) {
    const script = join(scriptDir, `wrk-${Math.random().toString(36).slice(2)}.lua`);
    writeFileSync(script, wrkScript(spec));
    const args = ['-t1', `-c${spec.connections}`, `-d${spec.durationSec}s`, '--timeout', '10s', '-s', script, spec.url];
    const r = await procs.runJson<WrkJson>(wrk, args, timeoutMs);
    return {
      requests: r.requests,
      rps: r.requests / (r.duration_us / 1e6),
      p50Us: r.p50,
      p90Us: r.p90,
      p99Us: r.p99,
      maxUs: r.max,
      errors: r.errors,
      tool: 'wrk',
    };
  }
  const r = await procs.runJson<Omit<LoadResult, 'tool'>>(process.execPath, [loadgenJs, JSON.stringify(spec)], timeoutMs);
  return { ...r, tool: 'node' };
}
