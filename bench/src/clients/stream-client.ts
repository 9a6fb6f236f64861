/**
 * Streaming client (its own process): `concurrency` slots each run streams back to back
 * until `streams` per slot are done (or `durationSec` passed), measuring time to the first
 * content chunk, gaps between chunks, lost/reordered chunks and how many streams were open
 * at once. Prints one JSON line.
 *   node dist/clients/stream-client.js '<StreamSpec JSON>'
 */
import { Agent, request } from 'node:http';
import { RESULT_MARK } from '../lib/procs.js';
import { nowUs } from '../servers/mock-payloads.js';
import { summarize, type Summary } from '../lib/stats.js';
import { SseReader, checkOrder } from './sse-check.js';

/** What to run. */
export interface StreamSpec {
  url: string;
  headers?: Record<string, string>;
  body: string;
  concurrency: number;
  /** Streams per slot, run one after the other. */
  streams: number;
  /** Stop starting new streams after this long (default: no limit). */
  durationSec?: number;
  expectChunks: number;
  timeoutMs: number;
}

/** What came back; times in ms. */
export interface StreamResult {
  streams: number;
  failed: number;
  lost: number;
  reordered: number;
  maxOpen: number;
  ttft: Summary;
  gap: Summary;
  /** Mock send → client arrival per content chunk after the first. */
  transit: Summary;
  firstError?: string;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as StreamSpec;
const url = new URL(spec.url);
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const body = Buffer.from(spec.body);
const headers = { ...spec.headers, 'content-type': 'application/json', 'content-length': String(body.length) };
const ttft: number[] = [];
const gaps: number[] = [];
const transits: number[] = [];
let streams = 0;
let failed = 0;
let lost = 0;
let reordered = 0;
let open = 0;
let maxOpen = 0;
let firstError: string | undefined;
const deadline = spec.durationSec ? performance.now() + spec.durationSec * 1000 : Number.POSITIVE_INFINITY;

function fail(why: string): void {
  failed++;
  firstError ??= why;
}

function one(): Promise<void> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const reader = new SseReader();
    let counted = false;
    const finish = (why?: string): void => {
      if (counted) return;
      counted = true;
      clearTimeout(timer);
      streams++;
      const t = reader.tally;
      const o = checkOrder(t.seqs, spec.expectChunks);
      lost += o.lost;
      reordered += o.reordered;
      if (why) fail(why);
      else if (!t.done) fail('stream ended without [DONE]');
      else if (o.lost || o.reordered) fail(`lost ${o.lost} reordered ${o.reordered}`);
      if (t.arrivals.length) ttft.push(t.arrivals[0]! - t0);
      for (let i = 1; i < t.arrivals.length; i++) {
        gaps.push(t.arrivals[i]! - t.arrivals[i - 1]!);
        transits.push(t.transits[i]!);
      }
      resolve();
    };
    const req = request(
      { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          res.on('end', () => finish(`status ${res.statusCode}`));
          return;
        }
        open++;
        if (open > maxOpen) maxOpen = open;
        res.setEncoding('utf8');
        res.on('data', (d: string) => reader.push(d, performance.now(), nowUs()));
        res.on('end', () => {
          open--;
          finish();
        });
        res.on('error', (e) => {
          open--;
          finish(e.message);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish('timeout');
    }, spec.timeoutMs);
    req.on('error', (e) => finish(e.message));
    req.end(body);
  });
}

async function slot(): Promise<void> {
  for (let i = 0; i < spec.streams && performance.now() < deadline; i++) await one();
}

await Promise.all(Array.from({ length: spec.concurrency }, slot));
const result: StreamResult = {
  streams,
  failed,
  lost,
  reordered,
  maxOpen,
  ttft: summarize(ttft),
  gap: summarize(gaps),
  transit: summarize(transits),
  ...(firstError ? { firstError } : {}),
};
process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
agent.destroy();
