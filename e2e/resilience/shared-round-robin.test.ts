// ai-proxy-multi weighted round robin on a pod with 2 workers: the position comes from one
// sequence per (route × conf × priority group) held by the primary, so the pod splits traffic
// exactly by weight whichever worker takes each connection (APISIX keeps a picker per nginx
// worker; Portico keeps one sequence per pod). Which worker answers is forced by stopping the
// other one (SIGSTOP): a stopped worker accepts nothing, so fresh connections queue for the
// running one.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startMockLlm, startPortico, type EtcdProcess, type MockLlm, type PorticoApps } from '@portico/testkit';
import { dumpLogsOnFailure } from '../helpers.js';
import { MATH_MESSAGES, putAndWait } from '../ai/support.js';
import { podRevision, waitConverged, waitReady } from './support.js';

const OPENAI_KEY = 'sk-e2e-shared-rr-openai';
const DEEPSEEK_KEY = 'sk-e2e-shared-rr-deepseek';

let etcd: EtcdProcess;
let apps: PorticoApps;
let openai: MockLlm;
let deepseek: MockLlm;
const stopped = new Set<number>();

/** POST over a fresh connection (no keep-alive: a connection to a stopped worker would hang); returns who answered. */
function ask(url: string): Promise<string> {
  const body = JSON.stringify({ messages: MATH_MESSAGES });
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return resolve(`${res.statusCode} ${text}`);
        const model = (JSON.parse(text) as { model?: string }).model;
        // The mocks answer gpt-4 as gpt-4-0613 and echo deepseek-chat.
        resolve(model === 'gpt-4-0613' ? 'openai' : model === 'deepseek-chat' ? 'deepseek' : `?${model}`);
      });
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

function counts(answers: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) out[a] = (out[a] ?? 0) + 1;
  return out;
}

beforeAll(async () => {
  etcd = await startEtcd();
  openai = await startMockLlm({ apiKey: OPENAI_KEY });
  deepseek = await startMockLlm({ apiKey: DEEPSEEK_KEY, content: '1 + 1 = 2.' });
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, workers: 2, status: true });
  await waitReady(apps.dataPlanes[0]!);
});
afterAll(async () => {
  for (const pid of stopped) process.kill(pid, 'SIGCONT');
  await apps?.stop();
  await openai?.close();
  await deepseek?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

/** The seed doc's route: openai weight 8, deepseek weight 2; served by both workers on return. */
async function weightedRoute(id: string): Promise<string> {
  await putAndWait(
    apps,
    `/apisix/admin/routes/${id}`,
    {
      uri: `/${id}`,
      methods: ['POST'],
      plugins: {
        'ai-proxy-multi': {
          instances: [
            {
              name: 'openai-instance',
              provider: 'openai',
              weight: 8,
              auth: { header: { Authorization: `Bearer ${OPENAI_KEY}` } },
              options: { model: 'gpt-4' },
              override: { endpoint: openai.url },
            },
            {
              name: 'deepseek-instance',
              provider: 'deepseek',
              weight: 2,
              auth: { header: { Authorization: `Bearer ${DEEPSEEK_KEY}` } },
              options: { model: 'deepseek-chat' },
              override: { endpoint: `${deepseek.url}/chat/completions` },
            },
          ],
        },
      },
    },
    { uri: `/${id}` },
  );
  // putAndWait saw one worker serve the route; wait for the other one too.
  const dp = apps.dataPlanes[0]!;
  const newest = Math.max(...(await podRevision(dp)).workers.map((w) => w.revision ?? 0));
  await waitConverged([dp], newest);
  return `${dp.url}/${id}`;
}

describe('ai-proxy-multi round robin with 2 workers', () => {
  it('10 sequential requests on fresh connections give exactly openai 8 / deepseek 2', async () => {
    const url = await weightedRoute('shared-rr');
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push(await ask(url));
    expect(counts(answers)).toEqual({ openai: 8, deepseek: 2 });
  });

  it('keeps exactly 8/2 when worker 0 takes 3 requests and worker 1 the other 7', async () => {
    const url = await weightedRoute('shared-rr-split');
    const { workers } = await podRevision(apps.dataPlanes[0]!);
    expect(workers.map((w) => w.ready)).toEqual([true, true]);
    const [w0, w1] = [workers[0]!.pid, workers[1]!.pid];
    const llmCalls = openai.requests.length + deepseek.requests.length;
    const answers: string[] = [];
    try {
      signal(w1, 'SIGSTOP');
      for (let i = 0; i < 3; i++) answers.push(await ask(url));
      signal(w1, 'SIGCONT');
      signal(w0, 'SIGSTOP');
      for (let i = 0; i < 7; i++) answers.push(await ask(url));
    } finally {
      if (stopped.has(w0)) signal(w0, 'SIGCONT');
      if (stopped.has(w1)) signal(w1, 'SIGCONT');
    }
    // With a picker per worker this split gives 9/1 or 7/3 depending on where each started.
    expect(counts(answers)).toEqual({ openai: 8, deepseek: 2 });
    expect(openai.requests.length + deepseek.requests.length - llmCalls).toBe(10);
  });
});
