import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

/**
 * Every module the admin process loads: its entry is started with a data_plane role (it loads
 * its whole static import graph, then exits 0 without serving), and the hooks record each
 * module node resolves.
 */
function adminModules(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'portico-admin-imports-'));
  const conf = join(dir, 'config.yaml');
  writeFileSync(conf, 'deployment:\n  role: data_plane\n  role_data_plane:\n    config_provider: etcd\n');
  const logFile = join(dir, 'modules.log');
  writeFileSync(logFile, '');
  const register = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(here('./import-graph.hooks.mjs')).href)});`;
  const run = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', `data:text/javascript,${encodeURIComponent(register)}`, here('./main.ts'), conf],
    { env: { ...process.env, PORTICO_IMPORT_LOG: logFile }, encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.stderr).toContain('deployment.role is data_plane');
  expect(run.status).toBe(0);
  return readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
}

describe('the Admin API process', () => {
  const modules = adminModules();
  const loads = (pkg: string): boolean => modules.some((u) => u.includes(`/node_modules/${pkg}/`));

  it('loads the plugin definitions and the validator it checks confs with', () => {
    expect(modules.some((u) => u.endsWith('/packages/plugins/src/definitions.ts'))).toBe(true);
    expect(modules.some((u) => u.endsWith('/packages/plugins/src/ai-proxy-multi/schema.ts'))).toBe(true);
    expect(loads('hono')).toBe(true);
  });

  it('loads no plugin runtime: no undici, no ioredis, no provider runtime', () => {
    expect(modules.filter((u) => u.includes('/node_modules/undici/') || u.includes('/node_modules/ioredis/'))).toEqual([]);
    expect(modules.some((u) => u.endsWith('/packages/plugins/src/index.ts'))).toBe(false);
    expect(modules.some((u) => u.endsWith('/packages/providers/src/index.ts'))).toBe(false);
  });

  // kafka-logger (issue 13): its definition is loaded, its Kafka client is not.
  it('loads the kafka-logger definition without the Kafka client', () => {
    expect(modules.some((u) => u.endsWith('/packages/plugins/src/kafka-logger/schema.ts'))).toBe(true);
    expect(modules.filter((u) => u.includes('/@platformatic/kafka/'))).toEqual([]);
  });
});
