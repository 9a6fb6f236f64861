import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryConfigStore } from '../memory/memory-store.js';
import { FileConfigSource } from './file-source.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(format: 'yaml' | 'json' = 'yaml') {
  const dir = mkdtempSync(join(tmpdir(), 'portico-standalone-'));
  dirs.push(dir);
  const path = join(dir, `apisix.${format}`);
  const store = new MemoryConfigStore();
  const logs: { level: string; msg: string; obj: object }[] = [];
  const logger = {
    info: (obj: object, msg: string) => logs.push({ level: 'info', msg, obj }),
    error: (obj: object, msg: string) => logs.push({ level: 'error', msg, obj }),
  };
  let tick = 1_700_000_000;
  // Each write gets a distinct mtime, as a real edit a second later would.
  const write = (text: string) => {
    writeFileSync(path, text);
    tick += 1;
    utimesSync(path, tick, tick);
  };
  const source = new FileConfigSource({ path, format, store, prefix: '/apisix', logger, pollMs: 60_000 });
  return { path, store, logs, write, source };
}

const ROUTES = (uri: string) =>
  `routes:\n  - id: r1\n    uri: ${uri}\n    upstream:\n      nodes:\n        "127.0.0.1:1980": 1\n      type: roundrobin\n#END\n`;

describe('FileConfigSource (file-driven standalone)', () => {
  it('loads apisix.yaml into the store under the etcd prefix', async () => {
    const { store, write, source } = setup();
    write(ROUTES('/hello'));
    await source.check();
    const { entries } = await store.list('/apisix/');
    expect(entries.map((e) => e.key)).toEqual(['/apisix/routes/r1']);
    expect(JSON.parse(entries[0]!.value).uri).toBe('/hello');
  });

  it('applies a changed file as one revision that puts and deletes together', async () => {
    const { store, write, source } = setup();
    write(`upstreams:\n  - id: u1\n    nodes: {"127.0.0.1:1": 1}\n${ROUTES('/a')}`);
    await source.check();
    const rev = await store.revision();
    const ac = new AbortController();
    const it = store.watch('/apisix/', { fromRevision: rev + 1, signal: ac.signal })[Symbol.asyncIterator]();
    write(ROUTES('/b'));
    await source.check();
    const msg = await it.next();
    ac.abort();
    expect(msg.value).toMatchObject({ type: 'events', revision: rev + 1 });
    const events = (msg.value as { events: { type: string }[] }).events;
    expect(events.map((e) => e.type).sort()).toEqual(['delete', 'put']);
  });

  it('keeps serving the previous configuration when the new file lacks #END or does not parse', async () => {
    const { store, write, source, logs, path } = setup();
    write(ROUTES('/good'));
    await source.check();
    write('routes:\n  - id: r1\n    uri: /half-written\n');
    await source.check();
    write('routes: [\n#END\n');
    await source.check();
    const { entries } = await store.list('/apisix/');
    expect(JSON.parse(entries[0]!.value).uri).toBe('/good');
    const errors = logs.filter((l) => l.level === 'error');
    expect(errors[0]).toMatchObject({
      msg: 'standalone configuration refused; serving the previous one',
      obj: { err: `missing valid end flag in file ${path}` },
    });
    expect(errors).toHaveLength(2);
  });

  it('reads apisix.json without an end flag', async () => {
    const { store, write, source } = setup('json');
    write(JSON.stringify({ routes: [{ id: 'j', uri: '/json' }] }));
    await source.check();
    expect((await store.list('/apisix/')).entries.map((e) => e.key)).toEqual(['/apisix/routes/j']);
  });

  it('does not re-apply an unchanged file', async () => {
    const { store, write, source } = setup();
    write(ROUTES('/same'));
    await source.check();
    const rev = await store.revision();
    await source.check();
    expect(await store.revision()).toBe(rev);
  });
});
