import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfError } from './errors.js';
import { loadConf, resolveConfPath } from './load.js';

const dirs: string[] = [];
/** Write `text` to <tmp>/conf/config.yaml and return its path. */
function confFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portico-conf-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'conf'));
  const file = join(dir, 'conf', 'config.yaml');
  writeFileSync(file, text);
  return file;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('loadConf', () => {
  it('applies every APISIX default to an empty file', async () => {
    const file = confFile('# nothing but a comment\n');
    const conf = await loadConf(file, { env: {} });
    expect(conf.path).toBe(file);
    expect(conf.apisix).toEqual({
      nodeListen: [{ ip: '0.0.0.0', port: 9080 }],
      enableServerTokens: true,
      proxyMode: 'http',
      dataEncryption: { enableEncryptFields: true, keyring: ['qeddd145sfvddff3', 'edd1c9f0985e76a2'] },
      ssl: { listen: [{ ip: '0.0.0.0', port: 9443, http2: true }], protocols: ['TLSv1.2', 'TLSv1.3'] },
    });
    expect(conf.deployment).toEqual({
      role: 'traditional',
      configProvider: 'etcd',
      standaloneFile: join(dirname(file), 'apisix.yaml'),
      admin: {
        adminKeyRequired: true,
        adminKey: [{ name: 'admin', key: '', role: 'admin' }],
        adminListen: { ip: '0.0.0.0', port: 9180 },
        allowAdmin: ['127.0.0.0/24'],
        enableAdminCors: true,
        adminApiVersion: 'v3',
      },
      etcd: { host: ['http://127.0.0.1:2379'], prefix: '/apisix', timeout: 30, resyncDelay: 5 },
    });
    expect(conf.nginxConfig.workerProcesses).toBe(availableParallelism());
    expect(conf.nginxConfig.http.accessLogFormatEscape).toBe('default');
    expect(conf.nginxConfig.http.accessLogFormat).toMatch(/^\$remote_addr - \$remote_user \[\$time_local\]/);
    expect(conf.nginxConfig.http.accessLog).toBe(join(file, '..', '..', 'logs', 'access.log'));
    expect(conf.pluginAttr).toEqual({});
  });

  it('reads the repository conf/config.yaml with an empty admin key', async () => {
    const conf = await loadConf(join(import.meta.dirname, '..', '..', '..', 'conf', 'config.yaml'), { env: {} });
    expect(conf.deployment.admin.adminKey).toEqual([{ name: 'admin', key: '', role: 'admin' }]);
    expect(conf.deployment.etcd.host).toEqual(['http://127.0.0.1:2379']);
    expect(conf.apisix.nodeListen).toEqual([{ ip: '0.0.0.0', port: 9080 }]);
  });

  it('accepts node_listen as a number, a list of numbers, or a list of {ip, port}', async () => {
    const a = await loadConf(confFile('apisix:\n  node_listen: 9081\n'), { env: {} });
    expect(a.apisix.nodeListen).toEqual([{ ip: '0.0.0.0', port: 9081 }]);
    const b = await loadConf(confFile('apisix:\n  node_listen: [9081, 9082]\n'), { env: {} });
    expect(b.apisix.nodeListen).toEqual([
      { ip: '0.0.0.0', port: 9081 },
      { ip: '0.0.0.0', port: 9082 },
    ]);
    const c = await loadConf(confFile('apisix:\n  node_listen:\n    - ip: 127.0.0.2\n      port: 9083\n    - port: 9084\n'), {
      env: {},
    });
    expect(c.apisix.nodeListen).toEqual([
      { ip: '127.0.0.2', port: 9083 },
      { ip: '0.0.0.0', port: 9084 },
    ]);
  });

  it('substitutes environment variables before validating', async () => {
    const file = confFile(
      [
        'deployment:',
        '  etcd:',
        '    host: ["http://${{ETCD_HOST:=127.0.0.1}}:${{ETCD_PORT}}"]',
        '    timeout: ${{ETCD_TIMEOUT:=3}}',
        '  admin:',
        '    admin_key:',
        '      - {name: admin, key: "${{ADMIN_KEY}}", role: admin}',
      ].join('\n'),
    );
    const conf = await loadConf(file, { env: { ETCD_PORT: '23790', ADMIN_KEY: 'k1' } });
    expect(conf.deployment.etcd.host).toEqual(['http://127.0.0.1:23790']);
    expect(conf.deployment.etcd.timeout).toBe(3);
    expect(conf.deployment.admin.adminKey).toEqual([{ name: 'admin', key: 'k1', role: 'admin' }]);
  });

  it('fails naming an unset environment variable', async () => {
    const file = confFile('deployment:\n  etcd:\n    password: ${{NOPE}}\n');
    await expect(loadConf(file, { env: {} })).rejects.toThrow(
      "can't find environment variable NOPE (at deployment.etcd.password)",
    );
  });

  it('disables admin auth with admin_key: null, as the APISIX test harness does', async () => {
    const conf = await loadConf(confFile('deployment:\n  admin:\n    admin_key: null\n'), { env: {} });
    expect(conf.deployment.admin.adminKey).toEqual([]);
  });

  it('resolves worker_processes, a trailing-slash prefix and etcd credentials', async () => {
    const text =
      'nginx_config:\n  worker_processes: 3\ndeployment:\n  etcd:\n    prefix: /gw/\n    user: root\n    password: 123456\n';
    const conf = await loadConf(confFile(text), { env: {} });
    expect(conf.nginxConfig.workerProcesses).toBe(3);
    expect(conf.deployment.etcd).toMatchObject({ prefix: '/gw', user: 'root', password: '123456' });
  });

  it('turns enable_access_log: false into a disabled access log and keeps stdout as is', async () => {
    const off = await loadConf(confFile('nginx_config:\n  http:\n    enable_access_log: false\n'), { env: {} });
    expect(off.nginxConfig.http.accessLog).toBe(false);
    const out = await loadConf(confFile('nginx_config:\n  http:\n    access_log: stdout\n'), { env: {} });
    expect(out.nginxConfig.http.accessLog).toBe('stdout');
  });

  it.each([
    ['deployment:\n  role: edge\n', 'deployment.role must be one of traditional, control_plane, data_plane, got "edge"'],
    ['apisix:\n  node_listen: [70000]\n', 'apisix.node_listen[0] must be a port number 1-65535, got 70000'],
    [
      'deployment:\n  admin:\n    admin_listen: {port: 0}\n',
      'deployment.admin.admin_listen.port must be a port number 1-65535, got 0',
    ],
    [
      'deployment:\n  etcd:\n    host: [127.0.0.1:2379]\n',
      'deployment.etcd.host[0] must be an http:// or https:// URL, got "127.0.0.1:2379"',
    ],
    ['deployment:\n  etcd:\n    prefix: apisix\n', 'deployment.etcd.prefix must start with "/", got "apisix"'],
    [
      'deployment:\n  admin:\n    allow_admin: [10.0.0.0/40]\n',
      'deployment.admin.allow_admin[0] must be an IP or CIDR, got "10.0.0.0/40"',
    ],
    [
      'deployment:\n  admin:\n    admin_key: [{name: a, key: k, role: root}]\n',
      'deployment.admin.admin_key[0].role must be one of admin, viewer, got "root"',
    ],
    [
      'nginx_config:\n  worker_processes: many\n',
      'nginx_config.worker_processes must be "auto" or a positive integer, got "many"',
    ],
  ])('rejects an invalid value with a message naming the key (%#)', async (text, msg) => {
    const file = confFile(text);
    await expect(loadConf(file, { env: {} })).rejects.toThrow(
      new ConfError('conf_invalid', `invalid configuration in ${file}: ${msg}`),
    );
  });

  it('reads the standalone config provider of each role and names the file beside config.yaml', async () => {
    const dp = confFile('deployment:\n  role: data_plane\n  role_data_plane:\n    config_provider: json\n');
    expect((await loadConf(dp, { env: {} })).deployment).toMatchObject({
      configProvider: 'json',
      standaloneFile: join(dirname(dp), 'apisix.json'),
    });
    const api = confFile('deployment:\n  role: traditional\n  role_traditional:\n    config_provider: yaml\n');
    expect((await loadConf(api, { env: {} })).deployment).toMatchObject({
      configProvider: 'yaml',
      standaloneFile: join(dirname(api), 'apisix.yaml'),
    });
    const cp = confFile('deployment:\n  role: control_plane\n  role_control_plane:\n    config_provider: yaml\n');
    await expect(loadConf(cp, { env: {} })).rejects.toThrow(/deployment\.role_control_plane\.config_provider/);
  });

  it('reads the HTTPS listeners of apisix.ssl, or none when it is disabled', async () => {
    const on = confFile(
      'apisix:\n  ssl:\n    listen:\n      - 9444\n      - {ip: 127.0.0.1, port: 9445, enable_http2: false}\n    ssl_protocols: TLSv1.3\n',
    );
    expect((await loadConf(on, { env: {} })).apisix.ssl).toEqual({
      listen: [
        { ip: '0.0.0.0', port: 9444, http2: true },
        { ip: '127.0.0.1', port: 9445, http2: false },
      ],
      protocols: ['TLSv1.3'],
    });
    const off = confFile('apisix:\n  ssl:\n    enable: false\n');
    expect((await loadConf(off, { env: {} })).apisix.ssl.listen).toEqual([]);
  });

  it('reports a type clash with the default as APISIX merge_conf does', async () => {
    await expect(loadConf(confFile('deployment:\n  etcd:\n    timeout: soon\n'), { env: {} })).rejects.toThrow(
      'failed to merge, path[deployment->etcd->timeout] expect: number, but got: string',
    );
  });

  it('reports unreadable files and invalid YAML with stable codes', async () => {
    await expect(loadConf('/nonexistent/portico.yaml', { env: {} })).rejects.toMatchObject({ code: 'conf_unreadable' });
    await expect(loadConf(confFile('a: [1,\n'), { env: {} })).rejects.toMatchObject({ code: 'conf_parse' });
    await expect(loadConf(confFile('- 1\n- 2\n'), { env: {} })).rejects.toMatchObject({
      code: 'conf_parse',
      message: expect.stringContaining('the top level must be a mapping'),
    });
  });
});

describe('resolveConfPath', () => {
  it('prefers the argument, then PORTICO_CONF, then conf/config.yaml under cwd', () => {
    expect(resolveConfPath('/a/b.yaml', { PORTICO_CONF: '/c/d.yaml' })).toBe('/a/b.yaml');
    expect(resolveConfPath(undefined, { PORTICO_CONF: '/c/d.yaml' })).toBe('/c/d.yaml');
    expect(resolveConfPath(undefined, {})).toBe(join(process.cwd(), 'conf', 'config.yaml'));
  });
});
