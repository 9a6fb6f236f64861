import { describe, expect, it } from 'vitest';
import { PodCooldowns } from '../pod-shared/cooldown-client.js';
import { COOLDOWN_STATE, isCooldownReport } from '../pod-shared/cooldown-protocol.js';
import { CooldownTracker } from './cooldown-tracker.js';
import { LeastPicker, LoadStats } from './least.js';
import { ModelRouter } from './model-routing.js';
import { parseResetDuration, parseRetryAfter, providerCooldownMs } from './retry-after.js';
import type { MultiInstanceConf } from './schema.js';

describe('provider cooldown headers', () => {
  it.each([
    ['20', 20_000],
    ['0.5', 500],
    [' 3 ', 3000],
    ['soon', undefined],
  ])('Retry-After %j → %j ms', (v, want) => expect(parseRetryAfter(v, 0)).toBe(want));

  it('reads Retry-After as an HTTP date relative to now', () => {
    const now = Date.parse('Sun, 06 Dec 2026 10:00:00 GMT');
    expect(parseRetryAfter('Sun, 06 Dec 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 06 Dec 2026 09:00:00 GMT', now)).toBe(0);
  });

  it.each([
    ['6m0s', 360_000],
    ['1.5s', 1500],
    ['20ms', 20],
    ['1h2m3s', 3_723_000],
    ['17', 17_000],
    ['6m0', undefined],
    ['', undefined],
  ])('x-ratelimit-reset %j → %j ms', (v, want) => expect(parseResetDuration(v)).toBe(want));

  it('prefers Retry-After, else the reset of the exhausted budget', () => {
    expect(providerCooldownMs({ 'retry-after': '2', 'x-ratelimit-reset-requests': '9s' }, 0)).toBe(2000);
    expect(
      providerCooldownMs(
        {
          'x-ratelimit-reset-requests': '9s',
          'x-ratelimit-remaining-requests': '10',
          'x-ratelimit-reset-tokens': '300ms',
          'x-ratelimit-remaining-tokens': '0',
        },
        0,
      ),
    ).toBe(300);
    expect(providerCooldownMs({ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '4s' }, 0)).toBe(4000);
    expect(providerCooldownMs({ 'content-type': 'application/json' }, 0)).toBeUndefined();
  });
});

describe('CooldownTracker', () => {
  const rules = { maxFails: 3, failWindowMs: 1000, durationMs: 5000 };
  it('cools down after max_fails failures within fail_timeout, not when they are spread out', () => {
    const t = new CooldownTracker();
    expect(t.report('x', rules, 0)).toBeUndefined();
    expect(t.report('x', rules, 600)).toBeUndefined();
    expect(t.report('x', rules, 1200)).toBeUndefined(); // the failure at 0 left the window
    expect(t.report('x', rules, 1300)).toBe(6300);
    expect(t.coolingUntil('x', 6299)).toBe(6300);
    expect(t.coolingUntil('x', 6300)).toBeUndefined();
  });
  it('applies a provider cooldown exactly at the first failure', () => {
    const t = new CooldownTracker();
    expect(t.report('x', rules, 100, 2500)).toBe(2600);
    expect(t.coolingUntil('x', 2000)).toBe(2600);
  });
});

describe('PodCooldowns (worker side)', () => {
  it('reports to the primary and skips an instance once the broadcast arrives', () => {
    const sent: unknown[] = [];
    let deliver: (m: unknown) => void = () => undefined;
    const store = new PodCooldowns({
      send: (m) => {
        sent.push(m);
        return true;
      },
      onMessage: (fn) => {
        deliver = fn;
      },
    });
    const rules = { maxFails: 2, failWindowMs: 1000, durationMs: 1000 };
    store.report('r#a', rules);
    expect(isCooldownReport(sent[0])).toBe(true);
    expect(store.cooling('r#a')).toBe(false);
    deliver({ portico: COOLDOWN_STATE, id: 'r#a', until: Date.now() + 10_000 });
    expect(store.cooling('r#a')).toBe(true);
    store.report('r#b', rules, 5000);
    expect(store.cooling('r#b')).toBe(true);
  });
});

const conf = (name: string, extra: Partial<MultiInstanceConf> = {}): MultiInstanceConf => ({
  name,
  provider: 'openai',
  auth: {},
  priority: 0,
  weight: 1,
  ...extra,
});

describe('ModelRouter', () => {
  const r = new ModelRouter({ allow_client_models: true, on_no_match: 'reject' }, [
    conf('a', { models: ['gpt-4o', 'fast'] }),
    conf('b', { models: ['gpt-*'], provider: 'azure-openai' }),
    conf('c', { options: { model: 'llama-3' } }),
    conf('d'),
  ]);
  it('matches exact names, aliases, wildcards, options.model, and treats an instance without either as serving all', () => {
    expect([...r.serving('gpt-4o')]).toEqual(['a', 'b', 'd']);
    expect([...r.serving('fast')]).toEqual(['a', 'd']);
    expect([...r.serving('gpt-4o-mini')]).toEqual(['b', 'd']);
    expect([...r.serving('llama-3')]).toEqual(['c', 'd']);
    expect([...r.serving('gpt-4o', 'azure-openai')]).toEqual(['b']);
  });
  it('does not treat regex metacharacters in names as patterns', () => {
    const r2 = new ModelRouter({ allow_client_models: false, on_no_match: 'reject' }, [conf('a', { models: ['a.b*'] })]);
    expect(r2.serving('a.b-1').size).toBe(1);
    expect(r2.serving('axb-1').size).toBe(0);
  });
});

describe('LeastPicker', () => {
  it('least_busy picks the instance with the fewest requests in flight, highest priority first', () => {
    const stats = new LoadStats();
    const p = new LeastPicker([conf('a', { priority: 1 }), conf('b', { priority: 1 }), conf('c')], 'least_busy', stats);
    stats.begin('a');
    expect(p.pick(new Set())).toBe('b');
    stats.begin('b');
    stats.begin('b');
    expect(p.pick(new Set())).toBe('a');
    expect(p.pick(new Set(['a', 'b']))).toBe('c');
    expect(p.pick(new Set(['a', 'b', 'c']))).toBeUndefined();
    expect(p.exhaustedError).toBe('all servers tried');
  });
  it('least_latency prefers unmeasured, then the lowest TTFT average; failures count as slow', () => {
    const stats = new LoadStats();
    const p = new LeastPicker([conf('a'), conf('b')], 'least_latency', stats);
    stats.sample('a', 50);
    expect(p.pick(new Set())).toBe('b');
    stats.sample('b', 200);
    expect(p.pick(new Set())).toBe('a');
    stats.penalise('a', 10);
    expect(stats.ttft.get('a')).toBeGreaterThan(200);
    expect(p.pick(new Set())).toBe('b');
    expect(p.exhaustedError).toBe('all upstream servers tried');
  });
  it('uses weight-0 instances only when no weighted one is left', () => {
    const stats = new LoadStats();
    const p = new LeastPicker([conf('a', { weight: 0 }), conf('b')], 'least_busy', stats);
    stats.begin('b');
    expect(p.pick(new Set())).toBe('b');
    expect(p.pick(new Set(['b']))).toBe('a');
  });
});
