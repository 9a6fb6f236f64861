import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureAdminKey, generateAdminKey } from './admin-key.js';
import { loadConf } from './load.js';

const dirs: string[] = [];
function confFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portico-key-'));
  dirs.push(dir);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  return file;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const REPO_SHAPE = `# top comment
deployment:
  role: traditional
  admin:
    admin_key:
      # keep me
      - name: admin
        key: ''
        role: admin
      - name: viewer
        key: ''
        role: viewer
    allow_admin:
      - 127.0.0.0/24
`;

describe('generateAdminKey', () => {
  it('returns 32 ASCII letters, different each time', () => {
    const a = generateAdminKey();
    expect(a).toMatch(/^[A-Za-z]{32}$/);
    expect(generateAdminKey()).not.toBe(a);
  });
});

describe('ensureAdminKey', () => {
  it('fills empty admin-role keys, writes them back and keeps comments and other entries', async () => {
    const file = confFile(REPO_SHAPE);
    const conf = await ensureAdminKey(await loadConf(file, { env: {} }));
    const [admin, viewer] = conf.deployment.admin.adminKey;
    expect(admin?.key).toMatch(/^[A-Za-z]{32}$/);
    // APISIX only generates keys for the admin role; an empty viewer key stays empty.
    expect(viewer).toEqual({ name: 'viewer', key: '', role: 'viewer' });
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(REPO_SHAPE.replace("key: ''", `key: '${admin?.key}'`));
    const reread = await loadConf(file, { env: {} });
    expect(reread.deployment.admin.adminKey[0]?.key).toBe(admin?.key);
    expect((conf.raw.deployment as { admin: { admin_key: unknown } }).admin.admin_key).toEqual(conf.deployment.admin.adminKey);
  });

  it('is a no-op once a key is set', async () => {
    const file = confFile(REPO_SHAPE);
    const first = await ensureAdminKey(await loadConf(file, { env: {} }));
    const text = readFileSync(file, 'utf8');
    const second = await ensureAdminKey(await loadConf(file, { env: {} }));
    expect(second.deployment.admin.adminKey).toEqual(first.deployment.admin.adminKey);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('writes the default admin key list when the file has none', async () => {
    const file = confFile('apisix:\n  node_listen: 9080\n');
    const conf = await ensureAdminKey(await loadConf(file, { env: {} }));
    const key = conf.deployment.admin.adminKey[0]?.key ?? '';
    expect(key).toMatch(/^[A-Za-z]{32}$/);
    expect(readFileSync(file, 'utf8')).toBe(
      `apisix:\n  node_listen: 9080\ndeployment:\n  admin:\n    admin_key:\n      - name: admin\n        key: ${key}\n        role: admin\n`,
    );
  });

  it('writes the keys into a file holding only comments', async () => {
    const file = confFile('# empty\n');
    const conf = await ensureAdminKey(await loadConf(file, { env: {} }));
    const key = conf.deployment.admin.adminKey[0]?.key ?? '';
    const reread = await loadConf(file, { env: {} });
    expect(reread.deployment.admin.adminKey).toEqual([{ name: 'admin', key, role: 'admin' }]);
    expect(readFileSync(file, 'utf8').startsWith('# empty\n')).toBe(true);
  });

  it('leaves the data_plane role alone (it has no Admin API)', async () => {
    const file = confFile('deployment:\n  role: data_plane\n');
    const conf = await ensureAdminKey(await loadConf(file, { env: {} }));
    expect(conf.deployment.admin.adminKey).toEqual([{ name: 'admin', key: '', role: 'admin' }]);
    expect(readFileSync(file, 'utf8')).toBe('deployment:\n  role: data_plane\n');
  });

  it('does not overwrite a ${{VAR}} template that resolved to an empty key', async () => {
    const text = 'deployment:\n  admin:\n    admin_key:\n      - {name: admin, key: "${{K:=}}", role: admin}\n';
    const file = confFile(text);
    const conf = await ensureAdminKey(await loadConf(file, { env: {} }));
    expect(conf.deployment.admin.adminKey[0]?.key).toMatch(/^[A-Za-z]{32}$/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it.skipIf(!existsSync('/usr/bin/yq'))('makes the documented yq command print the key', async () => {
    const file = confFile(REPO_SHAPE);
    const conf = await ensureAdminKey(await loadConf(file, { env: {} }));
    const out = execFileSync('bash', ['-c', `yq '.deployment.admin.admin_key[0].key' ${file} | sed 's/"//g'`], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(conf.deployment.admin.adminKey[0]?.key);
  });
});
