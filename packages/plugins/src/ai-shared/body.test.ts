import { describe, expect, it } from 'vitest';
import { buildBody } from './body.js';
import { prepareInstance } from './instance.js';

const inst = (options?: Record<string, unknown>, provider = 'openai') =>
  prepareInstance('i', { provider, auth: { header: { Authorization: 'Bearer k' } }, ...(options ? { options } : {}) } as never);
const req = (body: Record<string, unknown>) => ({
  body,
  clientStream: body.stream === true,
  raw: Buffer.from(JSON.stringify(body)),
});

describe('buildBody change tracking (raw bytes forwarded when nothing changed)', () => {
  it('reports unchanged when options repeat the client scalar values', () => {
    expect(buildBody(req({ model: 'm', messages: [] }), inst({ model: 'm' })).changed).toBe(false);
  });
  it('reports changed when an option differs or is an object', () => {
    expect(buildBody(req({ model: 'm', messages: [] }), inst({ model: 'x' })).changed).toBe(true);
    expect(buildBody(req({ model: 'm', messages: [] }), inst({ extra: {} })).changed).toBe(true);
  });
  it('reports changed for streams (stream_options is added)', () => {
    expect(buildBody(req({ stream: true, messages: [] }), inst()).changed).toBe(true);
  });
  it('reports changed when the provider removes the model', () => {
    expect(buildBody(req({ model: 'm', messages: [] }), inst(undefined, 'azure-openai')).changed).toBe(true);
  });
});
