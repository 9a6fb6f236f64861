import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, startMockFaults } from './server.js';
import type { MockFaults } from './types.js';

let m: MockFaults;
beforeAll(async () => {
  m = await startMockFaults({ content: 'one two three four' });
});
afterAll(async () => m?.close());

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${m.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('mock-faults', () => {
  it('answers a healthy JSON chat and a healthy stream ending with [DONE]', async () => {
    m.configure({});
    const r = await post(chat);
    expect(((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe(
      'one two three four',
    );
    const s = await (await post({ ...chat, stream: true })).text();
    expect(s.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('plays a script in order: 429 with Retry-After, 503, then the fallback', async () => {
    m.configure({
      script: [
        { kind: 'status', status: 429, retryAfter: '7' },
        { kind: 'status', status: 503 },
      ],
    });
    const r1 = await post(chat);
    expect(r1.status).toBe(429);
    expect(r1.headers.get('retry-after')).toBe('7');
    expect((await post(chat)).status).toBe(503);
    expect((await post(chat)).status).toBe(200);
  });

  it('resets the connection, truncates a stream and sends an error event', async () => {
    m.configure({ script: [{ kind: 'reset' }, { kind: 'truncate', afterEvents: 1 }, { kind: 'error_event' }] });
    await expect(post(chat)).rejects.toThrow();
    const t = await post({ ...chat, stream: true });
    await expect(t.text()).rejects.toThrow();
    const e = await (await post({ ...chat, stream: true })).text();
    expect(e).toBe('data: {"error":{"message":"mock fault: overloaded","type":"server_error","code":"overloaded"}}\n\n');
  });

  it('delays the first token of a slow stream after an immediate head', async () => {
    m.configure({ script: [{ kind: 'slow_first_token', delayMs: 300 }] });
    const t0 = Date.now();
    const r = await post({ ...chat, stream: true });
    const head = Date.now() - t0;
    await r.text();
    expect(head).toBeLessThan(250);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('draws faults by probability from a seed, the same sequence every time', async () => {
    const draw = async () => {
      m.configure({ seed: 42, random: [{ fault: { kind: 'status', status: 500 }, p: 0.5 }] });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await post(chat)).status);
      return out;
    };
    const first = await draw();
    expect(await draw()).toEqual(first);
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(4);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(4);
    expect(seededRandom(1)()).toBe(seededRandom(1)());
  });

  it('takes a per-request fault from the x-mock-fault header', async () => {
    m.configure({});
    expect((await post(chat, { 'x-mock-fault': JSON.stringify({ kind: 'status', status: 502 }) })).status).toBe(502);
  });
});
