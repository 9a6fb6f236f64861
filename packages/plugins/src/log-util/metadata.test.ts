import { describe, expect, it } from 'vitest';
import { loggerFakeContext } from '../testing/logger-fake-context.js';
import { buildLogEntry, prepareLogEntry, readRequestBodyForLog } from './entry.js';
import { maxPendingEntries, planWithMetadata } from './metadata.js';

const vars = {
  host: 'gw.test',
  time_iso8601: '2026-01-02T03:04:05+00:00',
  remote_addr: '10.1.2.3',
  request_uri: '/a?api_key=sk-1&x=1',
};
const META_FORMAT = { host: '$host', '@timestamp': '$time_iso8601', client_ip: '$remote_addr' };

function ctxWith(meta: Record<string, unknown> | undefined, extra: Parameters<typeof loggerFakeContext>[0] = {}) {
  return loggerFakeContext({ routeId: 'r1', vars, pluginMetadata: meta ? { 'http-logger': meta } : {}, ...extra });
}

function entryFor(conf: Parameters<typeof prepareLogEntry>[0], meta: Record<string, unknown> | undefined, extra = {}) {
  const ctx = ctxWith(meta, extra);
  return buildLogEntry(ctx, planWithMetadata(prepareLogEntry(conf), ctx.pluginMetadata!('http-logger')));
}

describe('planWithMetadata (log-util.lua get_log_entry precedence)', () => {
  it('uses the metadata log_format when the conf has none, appending route_id', () => {
    expect(entryFor({}, { log_format: META_FORMAT })).toEqual({
      host: 'gw.test',
      '@timestamp': '2026-01-02T03:04:05+00:00',
      client_ip: '10.1.2.3',
      route_id: 'r1',
    });
  });

  it("keeps the conf's own log_format over the metadata's", () => {
    expect(entryFor({ log_format: { h: '$host' } }, { log_format: META_FORMAT })).toEqual({ h: 'gw.test', route_id: 'r1' });
  });

  it("treats an empty conf log_format as the conf's own (custom entry with route_id only)", () => {
    expect(entryFor({ log_format: {} }, { log_format: META_FORMAT })).toEqual({ route_id: 'r1' });
  });

  it('logs the full entry when the metadata log_format is empty or absent', () => {
    const a = entryFor({}, { log_format: {} }) as Record<string, unknown>;
    const b = entryFor({}, { max_pending_entries: 5 }) as Record<string, unknown>;
    expect(Object.keys(a)).toContain('request');
    expect(Object.keys(b)).toContain('request');
    expect((a['request'] as { uri: string }).uri).toBe('/a?api_key=[REDACTED]&x=1');
  });

  it('applies the metadata log_format_extra to the full entry unless the conf sets its own', () => {
    const metaExtra = { log_format_extra: { ip2: '$remote_addr', route_id: 'nope' } };
    const full = entryFor({}, metaExtra) as Record<string, unknown>;
    expect(full['ip2']).toBe('10.1.2.3');
    expect(full['route_id']).toBe('r1');
    const own = entryFor({ log_format_extra: {} }, metaExtra) as Record<string, unknown>;
    expect('ip2' in own).toBe(false);
  });

  it('redacts secrets in metadata-format variables and still appends llm fields', () => {
    const entry = entryFor(
      {},
      { log_format: { auth: '$http_authorization', uri: '$request_uri' } },
      { headers: { host: 'gw.test', authorization: 'Bearer sk-secret' }, logFields: { llm_summary: { model: 'm' } } },
    );
    expect(entry).toEqual({ auth: '[REDACTED]', uri: '/a?api_key=[REDACTED]&x=1', route_id: 'r1', llm_summary: { model: 'm' } });
  });

  it('returns the same plan object for the same (plan, metadata) and a new one for new metadata', () => {
    const plan = prepareLogEntry({});
    const m1 = Object.freeze({ log_format: { a: '$host' } });
    const m2 = Object.freeze({ log_format: { b: '$host' } });
    const p1 = planWithMetadata(plan, m1);
    expect(planWithMetadata(plan, m1)).toBe(p1);
    expect(planWithMetadata(plan, m2)).not.toBe(p1);
    expect(planWithMetadata(plan, undefined)).toBe(plan);
    expect(planWithMetadata(plan, Object.freeze({ path: 'x' }))).toBe(plan);
  });

  it('reads the request body in access when the metadata log_format uses $request_body', async () => {
    const ctx = ctxWith({ log_format: { body: '$request_body' } }, { body: 'hello body' });
    const plan = planWithMetadata(prepareLogEntry({}), ctx.pluginMetadata!('http-logger'));
    expect(plan.mayNeedBody).toBe(true);
    await readRequestBodyForLog(ctx, plan);
    expect(buildLogEntry(ctx, plan)).toEqual({ body: 'hello body', route_id: 'r1' });
  });
});

describe('maxPendingEntries', () => {
  it("returns the metadata's max_pending_entries, else 8192", () => {
    expect(maxPendingEntries({ max_pending_entries: 3 })).toBe(3);
    expect(maxPendingEntries({})).toBe(8192);
    expect(maxPendingEntries(undefined)).toBe(8192);
  });
});
