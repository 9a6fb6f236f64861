import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import type { AiRunState } from './keys.js';
import { addResponseGuard, applyResponseGuards, type ResponseGuard } from './response-guards.js';

const state = (responseText?: string): AiRunState => ({
  request: { body: {}, clientStream: false },
  stream: false,
  requestModel: undefined,
  model: undefined,
  ...(responseText === undefined ? {} : { responseText }),
});

function recordingGuard(seen: string[], replace?: string): ResponseGuard {
  return {
    async checkBuffered(_ctx, text) {
      seen.push(text);
      return replace === undefined ? undefined : { status: 403, body: replace };
    },
    wrapStream(_ctx, body) {
      return (async function* () {
        for await (const c of body) yield Buffer.from(`${replace ?? 'x'}:${Buffer.from(c).toString()}`);
      })();
    },
  };
}

describe('response guards', () => {
  it('leave the answer alone when none is registered or the answer is an error', async () => {
    const ctx = fakeContext();
    const ok = { ok: true as const, reply: { status: 200, body: Buffer.from('a') } };
    expect(await applyResponseGuards(ctx, state('t'), ok)).toBe(ok);
    const seen: string[] = [];
    addResponseGuard(ctx, recordingGuard(seen, 'no'));
    const err = { ok: true as const, reply: { status: 400, body: Buffer.from('bad') } };
    expect(await applyResponseGuards(ctx, state('t'), err)).toBe(err);
    expect(seen).toEqual([]);
  });

  it('see the text of a buffered answer whose usage was read without parsing it whole (responseRaw)', async () => {
    const ctx = fakeContext();
    const seen: string[] = [];
    addResponseGuard(ctx, recordingGuard(seen));
    const st: AiRunState = {
      ...state(),
      responseRaw: Buffer.from('{"choices":[{"message":{"content":"kept raw"}}],"usage":{}}'),
    };
    await applyResponseGuards(ctx, st, { ok: true, reply: { status: 200, body: Buffer.from('a') } });
    expect(seen).toEqual(['kept raw']);
  });

  it('run in registration order on a buffered answer; the first replacement wins', async () => {
    const ctx = fakeContext();
    const seen: string[] = [];
    addResponseGuard(ctx, recordingGuard(seen));
    addResponseGuard(ctx, recordingGuard(seen, 'denied'));
    addResponseGuard(ctx, recordingGuard(seen, 'never'));
    const r = await applyResponseGuards(ctx, state('the answer'), { ok: true, reply: { status: 200, body: Buffer.from('a') } });
    expect(r).toEqual({ ok: true, reply: { status: 403, body: 'denied' } });
    expect(seen).toEqual(['the answer', 'the answer']);
  });

  it('chain stream wrappers, the first registered innermost', async () => {
    const ctx = fakeContext();
    addResponseGuard(ctx, recordingGuard([], 'a'));
    addResponseGuard(ctx, recordingGuard([], 'b'));
    const source = (async function* () {
      yield Buffer.from('1');
    })();
    const r = await applyResponseGuards(ctx, state(), { ok: true, reply: { status: 200, headers: { h: 'v' }, body: source } });
    if (!r.ok) throw new Error('expected ok');
    const out: string[] = [];
    for await (const c of r.reply.body as AsyncIterable<Uint8Array>) out.push(Buffer.from(c).toString());
    expect(out).toEqual(['b:a:1']);
    expect(r.reply.headers).toEqual({ h: 'v' });
  });
});
