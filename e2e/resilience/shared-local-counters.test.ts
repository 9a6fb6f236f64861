// ai-rate-limiting `policy: local` on a pod with 2 workers: the counters live in the primary
// and are shared by both workers (APISIX: one lua_shared_dict per node), so a quota holds
// whichever worker takes the connection, and survives a worker's crash. Which worker answers
// is forced by stopping the other one (SIGSTOP): a stopped worker accepts nothing, so fresh
// connections queue for the running one.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startMockLlm, startPortico, type EtcdProcess, type MockLlm, type PorticoApps } from '@portico/testkit';
import { dumpLogsOnFailure, eventually } from '../helpers.js';
import { MATH_MESSAGES, putAndWait, sleep } from '../ai/support.js';
import { podRevision, waitReady } from './support.js';

const KEY = 'sk-e2e-shared-local';

let etcd: EtcdProcess;
let apps: PorticoApps;
let openai: MockLlm;
const stopped = new Set<number>();

/** POST over a fresh connection (no keep-alive: a connection to a stopped worker would hang). */
function post(url: string): Promise<{ status: number; remaining: string | undefined }> {
  const body = JSON.stringify({ messages: MATH_MESSAGES });
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          remaining: res.headers['x-ai-ratelimit-remaining-ai-proxy-openai'] as string | undefined,
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout POST ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const signal = (pid: number, sig: 'SIGSTOP' | 'SIGCONT'): void => {
  process.kill(pid, sig);
  if (sig === 'SIGSTOP') stopped.add(pid);
  else stopped.delete(pid);
};

/** The tokens are committed in the log phase, after the response: let the commit land. */
const commitGap = () => sleep(100);

beforeAll(async () => {
  etcd = await startEtcd();
  openai = await startMockLlm({ apiKey: KEY });
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, workers: 2, status: true });
  await waitReady(apps.dataPlanes[0]!);
});
afterAll(async () => {
  for (const pid of stopped) process.kill(pid, 'SIGCONT');
  await apps?.stop();
  await openai?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

async function quotaRoute(id: string): Promise<string> {
  await putAndWait(
    apps,
    `/apisix/admin/routes/${id}`,
    {
      uri: `/${id}`,
      methods: ['POST'],
      plugins: {
        'ai-proxy': {
          provider: 'openai',
          auth: { header: { Authorization: `Bearer ${KEY}` } },
          options: { model: 'gpt-4' },
          override: { endpoint: openai.url },
        },
        'ai-rate-limiting': { policy: 'local', limit: 100, time_window: 60 },
      },
    },
    { uri: `/${id}` },
  );
  return `${apps.dataPlanes[0]!.url}/${id}`;
}

describe('policy local with 2 workers', () => {
  it('one 100-token quota for the pod: what worker 0 spent is refused by worker 1', async () => {
    const url = await quotaRoute('shared-local');
    const llmCalls = openai.requests.length;
    const { workers } = await podRevision(apps.dataPlanes[0]!);
    expect(workers.map((w) => w.ready)).toEqual([true, true]);
    const [w0, w1] = [workers[0]!.pid, workers[1]!.pid];
    const seen: Array<[number, number, string | undefined]> = [];
    const step = async (worker: number) => {
      const r = await post(url);
      seen.push([worker, r.status, r.remaining]);
      await commitGap();
    };
    try {
      signal(w1, 'SIGSTOP');
      for (let i = 0; i < 3; i++) await step(0); // 31, 62, 93 tokens spent, all through worker 0
      signal(w1, 'SIGCONT');
      signal(w0, 'SIGSTOP');
      await step(1); // worker 1 sees 93 spent: the dry run leaves 6; the commit reaches 124
      await step(1);
    } finally {
      if (stopped.has(w0)) signal(w0, 'SIGCONT');
      if (stopped.has(w1)) signal(w1, 'SIGCONT');
    }
    await step(-1); // either worker
    // With per-worker counters worker 1 would have answered 200 / remaining 99, then 68.
    expect(seen).toEqual([
      [0, 200, '99'],
      [0, 200, '68'],
      [0, 200, '37'],
      [1, 200, '6'],
      [1, 503, '0'],
      [-1, 503, '0'],
    ]);
    expect(openai.requests.length - llmCalls).toBe(4);
  });

  it('a crashed worker is replaced and its replacement still sees the spent quota', async () => {
    const url = await quotaRoute('survives-crash');
    const dp = apps.dataPlanes[0]!;
    const before = await podRevision(dp);
    const w1 = before.workers[1]!.pid;
    signal(w1, 'SIGSTOP');
    try {
      for (const want of ['99', '68', '37', '6']) {
        const r = await post(url);
        expect([r.status, r.remaining]).toEqual([200, want]);
        await commitGap();
      }
    } finally {
      signal(w1, 'SIGCONT');
    }
    // 4 × 31 tokens (the mock's 23 prompt + 8 completion) = 124 spent. Kill worker 0; fresh connections then reach worker 1 or the
    // restarted worker 0, and both must refuse.
    process.kill(before.workers[0]!.pid, 'SIGKILL');
    await eventually(
      async () => {
        const r = await podRevision(dp);
        expect(r.workers[0]!.pid).not.toBe(before.workers[0]!.pid);
        expect(r.workers[0]!.ready).toBe(true);
      },
      15_000,
      100,
    );
    signal(w1, 'SIGSTOP');
    try {
      const r = await post(url); // only the new worker 0 can take it
      expect([r.status, r.remaining]).toEqual([503, '0']);
    } finally {
      signal(w1, 'SIGCONT');
    }
    expect((await post(url)).status).toBe(503);
  });
});
