import { createPicker } from '@portico/balancer';
import { checkPluginConf } from '@portico/schemas';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeCtx } from '../ai-rate-limiting/fake-ctx.case.js';
import { SharedSequenceError, type PodSequences } from '../pod-shared/sequence-client.js';
import { SequenceTable } from '../pod-shared/sequence-table.js';
import { aiProxyMulti, type AiProxyMultiConf } from './index.js';
import { pickInstance, triedSet } from './pick.js';
import { destroyMulti, prepareMulti, type MultiState } from './state.js';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const env = { resourceKey: '/apisix/routes/1', scope: 'route' as const, services: { logger, prefixDir: '.' } };
const auth = { header: { Authorization: 'Bearer token' } };
const inst = (name: string, weight: number, priority = 0) => ({
  name,
  provider: 'openai',
  weight,
  priority,
  auth,
  override: { endpoint: 'http://127.0.0.1:9/v1/chat/completions' },
});

const states: MultiState[] = [];
afterEach(() => {
  while (states.length) destroyMulti(states.pop()!);
});

function conf(raw: Record<string, unknown>): AiProxyMultiConf {
  const c = structuredClone(raw);
  const err = checkPluginConf(aiProxyMulti, c, 'route');
  if (err) throw new Error(err);
  return c as unknown as AiProxyMultiConf;
}

/** The pod's sequences as the primary holds them, with every key asked for recorded. */
function podTable() {
  const table = new SequenceTable(Date.now, () => 0);
  const keys: string[] = [];
  const sequences: PodSequences = { next: (key) => (keys.push(key), Promise.resolve(table.next(key))) };
  return { sequences, keys };
}

/** One worker's view: its own state (picker, health) over the shared sequences. */
function worker(c: AiProxyMultiConf, sequences: PodSequences | undefined) {
  const state = prepareMulti(c, env, sequences);
  states.push(state);
  // The local picker starts at the first node (instead of a random one): deterministic tests.
  if (state.picker) state.picker = createPicker(c.instances, 'roundrobin', () => 0);
  return state;
}

/** Which worker takes each of 10 sequential requests: uneven, as the kernel spreads connections. */
const TAKERS = [0, 1, 1, 0, 1, 1, 1, 0, 1, 1];

const EIGHT_TWO = { instances: [inst('openai', 8), inst('deepseek', 2)] };

describe('ai-proxy-multi round robin with pod-shared sequences', () => {
  it('two workers taking 3 and 7 of 10 picks over one pod sequence give exactly 8/2', async () => {
    const c = conf(EIGHT_TWO);
    const { sequences, keys } = podTable();
    const w = [worker(c, sequences), worker(c, sequences)];
    const picks: string[] = [];
    for (const i of TAKERS) picks.push((await pickInstance(fakeCtx(), w[i]!)) as string);
    expect(picks).toEqual([
      'openai',
      'openai',
      'openai',
      'openai',
      'deepseek',
      'openai',
      'openai',
      'openai',
      'openai',
      'deepseek',
    ]);
    expect(new Set(keys)).toEqual(new Set([`/apisix/routes/1:${w[0]!.sequenceKey.split(':')[1]}:0`]));
    expect(keys).toHaveLength(10);
  });

  it('without the pod sequence the same split gives 9/1: each worker walks its own', async () => {
    const c = conf(EIGHT_TWO);
    const w = [worker(c, undefined), worker(c, undefined)];
    const picks: string[] = [];
    for (const i of TAKERS) picks.push((await pickInstance(fakeCtx(), w[i]!)) as string);
    // worker 0: a,a,a; worker 1: a,a,a,a,b,a,a
    expect(picks.filter((p) => p === 'openai')).toHaveLength(9);
  });

  it('a retry skips the tried instance locally: one position per pick', async () => {
    const c = conf(EIGHT_TWO);
    const { sequences, keys } = podTable();
    const s = worker(c, sequences);
    const ctx = fakeCtx();
    expect(await pickInstance(ctx, s)).toBe('openai'); // position 0
    triedSet(ctx).add('openai');
    expect(await pickInstance(ctx, s)).toBe('deepseek'); // position 1 is openai, tried: next untried
    triedSet(ctx).add('deepseek');
    expect(await pickInstance(ctx, s)).toEqual({ error: 'all upstream servers tried' });
    expect(keys).toHaveLength(2); // exhaustion is known locally, without asking the primary
  });

  it('keys each priority group by its priority and falls to the lower group once the higher is tried', async () => {
    const c = conf({ instances: [inst('a', 1, 5), inst('b', 1, 5), inst('backup', 1, 0)] });
    const { sequences, keys } = podTable();
    const s = worker(c, sequences);
    const ctx = fakeCtx();
    triedSet(ctx).add('a').add('b');
    expect(await pickInstance(ctx, s)).toBe('backup');
    expect(keys).toEqual([`${s.sequenceKey}0`]);
    expect(s.sequenceKey).toMatch(/^\/apisix\/routes\/1:[0-9a-f]{8}:$/);
    expect(await pickInstance(fakeCtx(), s)).toBe('a');
    expect(keys[1]).toBe(`${s.sequenceKey}5`);
  });

  it('falls back to the worker picker when the primary does not answer, logging at debug only', async () => {
    const c = conf(EIGHT_TWO);
    const failing: PodSequences = {
      next: () =>
        Promise.reject(
          new SharedSequenceError('SEQUENCE_IPC_TIMEOUT', 'shared sequences: no answer from the primary within 250 ms'),
        ),
    };
    const s = worker(c, failing);
    const ctx = fakeCtx();
    const picked = await pickInstance(ctx, s);
    expect(['openai', 'deepseek']).toContain(picked);
    expect(ctx.logs).toEqual([
      {
        level: 'debug',
        msg: "pod round-robin position unavailable, using this worker's: shared sequences: no answer from the primary within 250 ms",
      },
    ]);
  });

  it('never asks for a position with chash or a single instance', async () => {
    const { sequences, keys } = podTable();
    const chash = worker(conf({ ...EIGHT_TWO, balancer: { algorithm: 'chash', key: 'remote_addr' } }), sequences);
    expect(chash.sequenced).toBeUndefined();
    expect(await pickInstance(fakeCtx(), chash)).toBe(await pickInstance(fakeCtx(), chash));
    const single = worker(conf({ instances: [inst('only', 1)] }), sequences);
    expect(await pickInstance(fakeCtx(), single)).toBe('only');
    expect(keys).toEqual([]);
  });

  it('gives a changed conf a new sequence key (positions restart with the conf)', () => {
    const { sequences } = podTable();
    const a = worker(conf(EIGHT_TWO), sequences);
    const b = worker(conf({ instances: [inst('openai', 8), inst('deepseek', 3)] }), sequences);
    const a2 = worker(conf(EIGHT_TWO), sequences);
    expect(a.sequenceKey).not.toBe(b.sequenceKey);
    expect(a.sequenceKey).toBe(a2.sequenceKey);
  });
});
