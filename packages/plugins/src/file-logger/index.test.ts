import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loggerFakeContext, loggerPrepareEnv, recordingLogger, type RecordingLogger } from '../testing/logger-fake-context.js';
import { fileLogger, reopenFileLoggers, type FileLoggerState } from './index.js';
import type { FileLoggerConf } from './schema.js';
import { openSinkCount } from './sink.js';

let dir: string;
let logger: RecordingLogger;

async function logRequest(state: FileLoggerState, opts: Parameters<typeof loggerFakeContext>[0] = {}): Promise<void> {
  const ctx = loggerFakeContext({ routeId: '1', vars: { host: 'gw.test', request_uri: '/anything' }, ...opts });
  await fileLogger.access!(ctx, state);
  await fileLogger.log!(ctx, state);
}

async function lines(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portico-file-logger-'));
  logger = recordingLogger();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('file-logger', () => {
  it('appends one JSON line per request, with llm fields when ai-proxy set them, and redacted secrets', async () => {
    const state = fileLogger.prepare!({ path: 'access.log' }, loggerPrepareEnv(logger, dir));
    await logRequest(state, {
      headers: { host: 'gw.test', authorization: 'Bearer sk-top' },
      logFields: { llm_request: { messages: [], stream: true } },
    });
    await logRequest(state, { method: 'POST' });
    await state.sink.flush();
    const [first, second] = await lines(join(dir, 'access.log'));
    expect((first!['request'] as { headers: object }).headers).toEqual({ host: 'gw.test', authorization: '[REDACTED]' });
    expect(first!['llm_request']).toEqual({ messages: [], stream: true });
    expect((second!['request'] as { method: string }).method).toBe('POST');
    expect('llm_request' in second!).toBe(false);
    fileLogger.destroy!(state);
  });

  it('shares one open file per path across confs and closes it with the last destroy', async () => {
    const path = join(dir, 'shared.log');
    const a = fileLogger.prepare!({ path, log_format: { c: 'a' } }, loggerPrepareEnv(logger, dir));
    const b = fileLogger.prepare!({ path, log_format: { c: 'b' } }, loggerPrepareEnv(logger, dir));
    expect(a.sink).toBe(b.sink);
    const before = openSinkCount();
    await logRequest(a);
    await logRequest(b);
    fileLogger.destroy!(a);
    await a.sink.flush();
    expect(openSinkCount()).toBe(before);
    fileLogger.destroy!(b);
    await b.sink.close();
    expect(openSinkCount()).toBe(before - 1);
    expect(await lines(path)).toEqual([
      { c: 'a', route_id: '1' },
      { c: 'b', route_id: '1' },
    ]);
  });

  it('logs only requests matching a match rule set', async () => {
    const path = join(dir, 'match.log');
    const state = fileLogger.prepare!(
      { path, match: [[['arg_name', '==', 'jack']]], log_format: { q: '$args' } },
      loggerPrepareEnv(logger, dir),
    );
    await logRequest(state, { rawQuery: 'name=rose' });
    await logRequest(state, { rawQuery: 'name=jack' });
    await state.sink.flush();
    expect(await lines(path)).toEqual([{ q: 'name=jack', route_id: '1' }]);
    fileLogger.destroy!(state);
  });

  it('reports a write failure and reopens the file on the next write', async () => {
    const path = join(dir, 'missing-dir', 'x.log');
    const state = fileLogger.prepare!({ path, log_format: { n: '1' } }, loggerPrepareEnv(logger, dir));
    await logRequest(state);
    await state.sink.flush();
    await new Promise((r) => setTimeout(r, 20));
    expect(
      logger.lines.some(
        (l) => l.level === 'error' && String(l.msg).startsWith(`failed to write file: ${path}, error info: ENOENT`),
      ),
    ).toBe(true);
    // Make the directory, then the next write opens a fresh stream and succeeds.
    await (await import('node:fs/promises')).mkdir(join(dir, 'missing-dir'));
    await logRequest(state);
    await state.sink.flush();
    expect(await lines(path)).toEqual([{ n: '1', route_id: '1' }]);
    fileLogger.destroy!(state);
  });

  it('reopens files for log rotation', async () => {
    const path = join(dir, 'rot.log');
    const state = fileLogger.prepare!({ path, log_format: { n: '$arg_n' } }, loggerPrepareEnv(logger, dir));
    await logRequest(state, { rawQuery: 'n=1' });
    await state.sink.flush();
    const { rename } = await import('node:fs/promises');
    await rename(path, `${path}.1`);
    reopenFileLoggers();
    await logRequest(state, { rawQuery: 'n=2' });
    await state.sink.flush();
    expect(await lines(`${path}.1`)).toEqual([{ n: '1', route_id: '1' }]);
    expect(await lines(path)).toEqual([{ n: '2', route_id: '1' }]);
    fileLogger.destroy!(state);
  });

  it("writes the plugin_metadata log_format when the conf has none, and keeps the conf's own otherwise", async () => {
    const path = join(dir, 'meta.log');
    const meta = { 'file-logger': { log_format: { h: '$host', q: '$args' } } };
    const plain = fileLogger.prepare!({ path }, loggerPrepareEnv(logger, dir));
    const own = fileLogger.prepare!({ path, log_format: { own: '$host' } }, loggerPrepareEnv(logger, dir));
    await logRequest(plain, { rawQuery: 'token=t0p&x=1', pluginMetadata: meta });
    await logRequest(own, { pluginMetadata: meta });
    await plain.sink.flush();
    expect(await lines(path)).toEqual([
      { h: 'gw.test', q: 'token=[REDACTED]&x=1', route_id: '1' },
      { own: 'gw.test', route_id: '1' },
    ]);
    fileLogger.destroy!(plain);
    fileLogger.destroy!(own);
  });

  it('checks path and match like APISIX', () => {
    expect(fileLogger.check!({} as FileLoggerConf, 'route')).toBe(
      'property "path" is not set in either the plugin conf or the metadata',
    );
    expect(fileLogger.check!({ path: 'x', match: [['arg_name', '==', 'jack']] }, 'route')).toBe(
      "failed to validate the 'match' expression: rule should be wrapped inside brackets",
    );
    expect(fileLogger.check!({ path: 'x', match: [[['arg_name', '==', 'jack']]] }, 'route')).toBeUndefined();
    expect(fileLogger.priority).toBe(399);
  });
});
