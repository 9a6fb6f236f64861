import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLogCollector, type LogCollector } from '../testing/logger-collector.js';
import { loggerFakeContext, loggerPrepareEnv, recordingLogger, type RecordingLogger } from '../testing/logger-fake-context.js';
import { httpLogger, resetHttpLoggerBacklog, type HttpLoggerState } from './index.js';
import type { HttpLoggerConf } from './schema.js';

const SECRET = 'Bearer collector-secret-123';
let collector: LogCollector;
let logger: RecordingLogger;
const states: HttpLoggerState[] = [];

function prepare(conf: Partial<HttpLoggerConf>): HttpLoggerState {
  const state = httpLogger.prepare!({ uri: collector.url, ...conf } as HttpLoggerConf, loggerPrepareEnv(logger));
  states.push(state);
  return state;
}

async function request(state: HttpLoggerState, opts: Parameters<typeof loggerFakeContext>[0] = {}): Promise<void> {
  const ctx = loggerFakeContext({ routeId: '1', vars: { host: 'gw.test', request_uri: '/anything' }, ...opts });
  await httpLogger.access!(ctx, state);
  await httpLogger.log!(ctx, state);
}

beforeEach(async () => {
  resetHttpLoggerBacklog();
  collector = await startLogCollector();
  logger = recordingLogger();
});

afterEach(async () => {
  for (const s of states.splice(0)) {
    await s.processor.close();
    await s.sender.close();
  }
  await collector.close();
});

describe('http-logger', () => {
  it('POSTs a JSON array once batch_max_size entries are buffered, with the auth header and llm fields', async () => {
    const state = prepare({ batch_max_size: 2, auth_header: SECRET });
    await request(state, { logFields: { llm_summary: { model: 'gpt-4o', prompt_tokens: 3 } } });
    await request(state, { uri: '/second', vars: { request_uri: '/second' } });
    const [req] = await collector.waitFor(1);
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/logs?tenant=a');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['authorization']).toBe(SECRET);
    const batch = JSON.parse(req!.body) as Array<Record<string, unknown>>;
    expect(batch.map((e) => (e['request'] as { uri: string }).uri)).toEqual(['/anything', '/second']);
    expect(batch[0]!['llm_summary']).toEqual({ model: 'gpt-4o', prompt_tokens: 3 });
    expect('llm_summary' in batch[1]!).toBe(false);
    expect(logger.text()).not.toContain('collector-secret-123');
  });

  it('joins entries with newlines as text/plain for concat_method new_line', async () => {
    const state = prepare({ batch_max_size: 2, concat_method: 'new_line', log_format: { u: '$request_uri' } });
    await request(state);
    await request(state);
    const [req] = await collector.waitFor(1);
    expect(req!.headers['content-type']).toBe('text/plain');
    expect(req!.body).toBe('{"u":"/anything","route_id":"1"}\n{"u":"/anything","route_id":"1"}');
  });

  it('sends a single JSON object per request when batch_max_size is 1', async () => {
    const state = prepare({ batch_max_size: 1, log_format: { host: '$host' } });
    await request(state, { routeId: undefined });
    const [req] = await collector.waitFor(1);
    expect(req!.body).toBe('{"host":"gw.test","route_id":"no-matched"}');
  });

  it('flushes a partial batch after inactive_timeout', async () => {
    const state = prepare({ inactive_timeout: 1, log_format: { host: '$host' } });
    const start = Date.now();
    await request(state);
    const [req] = await collector.waitFor(1, 3000);
    expect(Date.now() - start).toBeGreaterThanOrEqual(990);
    expect(JSON.parse(req!.body)).toEqual([{ host: 'gw.test', route_id: '1' }]);
    expect(state.processor.activeTimers).toBe(0);
  });

  it('destroy flushes buffered entries and clears its timers', async () => {
    const state = prepare({ inactive_timeout: 30, log_format: { host: '$host' } });
    await request(state);
    expect(state.processor.activeTimers).toBe(1);
    httpLogger.destroy!(state);
    const [req] = await collector.waitFor(1);
    expect(JSON.parse(req!.body)).toEqual([{ host: 'gw.test', route_id: '1' }]);
    expect(state.processor.activeTimers).toBe(0);
  });

  it('logs the collector status and body on HTTP errors without leaking auth_header', async () => {
    collector.status = 500;
    const state = prepare({ batch_max_size: 1, auth_header: SECRET });
    await request(state);
    await collector.waitFor(1);
    await state.processor.close();
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors[0]!.obj).toEqual({
      name: 'http logger',
      error: `server returned status code[500] host[127.0.0.1] port[${collector.port}] body[nope]`,
    });
    expect(logger.text()).not.toContain('collector-secret-123');
  });

  it('logs a connect error when the collector is down', async () => {
    await collector.close();
    const state = prepare({ batch_max_size: 1, uri: `http://127.0.0.1:${collector.port}/`, timeout: 1 });
    await request(state);
    await state.processor.close();
    const err = (logger.lines.find((l) => l.level === 'error')!.obj as { error: string }).error;
    expect(err.startsWith(`failed to connect to host[127.0.0.1] port[${collector.port}] `)).toBe(true);
    collector = await startLogCollector();
  });

  it('sends the plugin_metadata log_format when the conf has none', async () => {
    const state = prepare({ batch_max_size: 1 });
    await request(state, { pluginMetadata: { 'http-logger': { log_format: { h: '$host', u: '$request_uri' } } } });
    const [req] = await collector.waitFor(1);
    expect(req!.body).toBe('{"h":"gw.test","u":"/anything","route_id":"1"}');
  });

  it('caps the shared backlog at the plugin_metadata max_pending_entries', async () => {
    const state = prepare({ batch_max_size: 100, inactive_timeout: 30 });
    const meta = { 'http-logger': { max_pending_entries: 2, log_format: { n: '$arg_n' } } };
    for (const n of ['1', '2', '3']) await request(state, { rawQuery: `n=${n}`, pluginMetadata: meta });
    await state.processor.close();
    const [req] = await collector.waitFor(1);
    expect(req!.body).toBe('[{"n":"1","route_id":"1"},{"n":"2","route_id":"1"}]');
    expect(logger.lines.find((l) => l.level === 'error')!.msg).toBe('max pending entries limit exceeded. discarding entry.');
  });

  it('checks plugin_metadata against the APISIX metadata schema', () => {
    expect(httpLogger.check!({} as HttpLoggerConf, 'metadata')).toBeUndefined();
    const props = httpLogger.metadataSchema!['properties'] as Record<string, unknown>;
    expect(Object.keys(props).sort()).toEqual(['log_format', 'log_format_extra', 'max_pending_entries']);
  });

  it('rejects bad include_req_body_expr rules with the APISIX message', () => {
    expect(httpLogger.check!({ uri: 'http://x', include_req_body_expr: [['a', 'like', 'b']] } as HttpLoggerConf, 'route')).toBe(
      "failed to validate the 'include_req_body_expr' expression: invalid operator 'like'",
    );
    expect(
      httpLogger.check!({ uri: 'http://x', include_req_body_expr: [['arg_x', '==', 'y']] } as HttpLoggerConf, 'route'),
    ).toBeUndefined();
  });

  it('declares APISIX name, priority, defaults and encrypted auth_header', () => {
    expect(httpLogger.name).toBe('http-logger');
    expect(httpLogger.priority).toBe(410);
    expect(httpLogger.encryptFields).toEqual(['auth_header']);
    const props = httpLogger.schema['properties'] as Record<string, { default?: unknown }>;
    expect(
      Object.fromEntries(
        Object.entries(props)
          .filter(([, p]) => p.default !== undefined)
          .map(([k, p]) => [k, p.default]),
      ),
    ).toEqual({
      timeout: 3,
      include_req_body: false,
      include_resp_body: false,
      max_req_body_bytes: 524288,
      max_resp_body_bytes: 524288,
      concat_method: 'json',
      ssl_verify: false,
      name: 'http logger',
      max_retry_count: 0,
      retry_delay: 1,
      buffer_duration: 60,
      inactive_timeout: 5,
      batch_max_size: 1000,
    });
    expect(httpLogger.schema['required']).toEqual(['uri']);
  });
});
