import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseCidr } from './cidr.js';
import { isPort, TreeReader } from './read.js';
import type { AdminKey, ConfigProvider, DeploymentRole, ListenAddr, PorticoConf } from './types.js';

const ROLES: readonly DeploymentRole[] = ['traditional', 'control_plane', 'data_plane'];

/** Turn the merged YAML tree (defaults + user file) into a validated PorticoConf. */
export function normalizeConf(tree: Record<string, unknown>, path: string): PorticoConf {
  const r = new TreeReader(path);
  const keyring = r.strList(tree, 'apisix.data_encryption.keyring') ?? [];
  const role = r.oneOf(tree, 'deployment.role', ROLES, 'traditional');
  return {
    path,
    apisix: {
      nodeListen: nodeListen(r, tree),
      enableServerTokens: r.bool(tree, 'apisix.enable_server_tokens', true),
      proxyMode: r.oneOf(tree, 'apisix.proxy_mode', ['http', 'stream', 'http&stream'] as const, 'http'),
      ...optional('status', statusAddr(r, tree)),
      ssl: sslConf(r, tree),
      dataEncryption: {
        enableEncryptFields: r.bool(tree, 'apisix.data_encryption.enable_encrypt_fields', true),
        keyring,
      },
    },
    deployment: {
      role,
      ...standalone(r, tree, role, path),
      admin: {
        adminKeyRequired: r.bool(tree, 'deployment.admin.admin_key_required', true),
        adminKey: adminKeys(r, tree),
        adminListen: listenAddr(r, r.at(tree, 'deployment.admin.admin_listen'), 'deployment.admin.admin_listen', 9180),
        allowAdmin: allowAdmin(r, tree),
        enableAdminCors: r.bool(tree, 'deployment.admin.enable_admin_cors', true),
        adminApiVersion: r.oneOf(tree, 'deployment.admin.admin_api_version', ['v3', 'v2'] as const, 'v3'),
      },
      etcd: {
        host: etcdHosts(r, tree),
        prefix: etcdPrefix(r, tree),
        timeout: r.num(tree, 'deployment.etcd.timeout', 30, 0.001),
        resyncDelay: r.num(tree, 'deployment.etcd.resync_delay', 5, 0),
        ...optional('user', r.optStr(tree, 'deployment.etcd.user')),
        ...optional('password', r.optStr(tree, 'deployment.etcd.password')),
      },
    },
    nginxConfig: {
      workerProcesses: workerProcesses(r, tree),
      workerShutdownTimeout: nginxSeconds(r, tree, 'nginx_config.worker_shutdown_timeout', 240),
      http: {
        accessLogFormat: r.str(tree, 'nginx_config.http.access_log_format', ''),
        accessLogFormatEscape: r.str(tree, 'nginx_config.http.access_log_format_escape', 'default'),
        accessLog: accessLog(r, tree, path),
      },
    },
    pluginAttr: pluginAttr(r, tree),
    raw: tree,
  };
}

/** deployment.role_<role>.config_provider (apisix/cli/schema.lua) and the standalone file beside config.yaml. */
function standalone(
  r: TreeReader,
  tree: Record<string, unknown>,
  role: DeploymentRole,
  path: string,
): { configProvider: ConfigProvider; standaloneFile: string } {
  let configProvider: ConfigProvider = 'etcd';
  if (role === 'data_plane')
    configProvider = r.oneOf(tree, 'deployment.role_data_plane.config_provider', ['etcd', 'yaml', 'json'] as const, 'etcd');
  if (role === 'traditional')
    configProvider = r.oneOf(tree, 'deployment.role_traditional.config_provider', ['etcd', 'yaml'] as const, 'etcd');
  if (role === 'control_plane') r.oneOf(tree, 'deployment.role_control_plane.config_provider', ['etcd'] as const, 'etcd');
  const ext = configProvider === 'json' ? 'json' : 'yaml';
  return { configProvider, standaloneFile: resolve(dirname(path), `apisix.${ext}`) };
}

function optional<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}

// apisix.node_listen: a port, a list of ports, or a list of {ip?, port} (apisix/cli/ops.lua).
function nodeListen(r: TreeReader, tree: unknown): ListenAddr[] {
  const v = r.at(tree, 'apisix.node_listen');
  const list = v === undefined ? [9080] : Array.isArray(v) ? v : [v];
  if (list.length === 0) r.fail('apisix.node_listen', 'must list at least one port', v);
  return list.map((item, i) => {
    if (isPort(item)) return { ip: '0.0.0.0', port: item };
    if (typeof item === 'number') r.fail(`apisix.node_listen[${i}]`, 'must be a port number 1-65535', item);
    return listenAddr(r, item, `apisix.node_listen[${i}]`, undefined);
  });
}

/** apisix.ssl: `listen` entries are a port or {ip, port, enable_http2} (http2 on unless false). */
function sslConf(r: TreeReader, tree: unknown): PorticoConf['apisix']['ssl'] {
  const protocols = r.str(tree, 'apisix.ssl.ssl_protocols', 'TLSv1.2 TLSv1.3').split(/\s+/).filter(Boolean);
  if (!r.bool(tree, 'apisix.ssl.enable', true)) return { listen: [], protocols };
  const v = r.at(tree, 'apisix.ssl.listen');
  const list = v === undefined ? [{ port: 9443 }] : Array.isArray(v) ? v : [v];
  const listen = list.map((item, i) => {
    const where = `apisix.ssl.listen[${i}]`;
    if (isPort(item)) return { ip: '0.0.0.0', port: item, http2: true };
    const addr = listenAddr(r, item, where, undefined);
    const h2 = (item as Record<string, unknown>).enable_http2;
    if (h2 !== undefined && typeof h2 !== 'boolean') r.fail(`${where}.enable_http2`, 'must be a boolean', h2);
    return { ...addr, http2: h2 !== false };
  });
  return { listen, protocols };
}

function listenAddr(r: TreeReader, v: unknown, where: string, dfltPort: number | undefined): ListenAddr {
  if (v === undefined && dfltPort !== undefined) return { ip: '0.0.0.0', port: dfltPort };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) r.fail(where, 'must be a mapping {ip, port}', v);
  const o = v as Record<string, unknown>;
  const port = o.port ?? dfltPort;
  if (!isPort(port)) r.fail(`${where}.port`, 'must be a port number 1-65535', o.port);
  const ip = o.ip ?? '0.0.0.0';
  if (typeof ip !== 'string' || ip === '') r.fail(`${where}.ip`, 'must be an address string', o.ip);
  return { ip, port };
}

// admin_key absent from the user file keeps APISIX's default (one empty admin key, generated at
// start); an explicit `admin_key: null` removes it, which disables the check (apisix/admin/init.lua).
function adminKeys(r: TreeReader, tree: unknown): AdminKey[] {
  const v = r.at(tree, 'deployment.admin.admin_key');
  if (v === undefined) return [];
  if (!Array.isArray(v)) r.fail('deployment.admin.admin_key', 'must be a list of {name, key, role}', v);
  return v.map((item, i) => {
    const where = `deployment.admin.admin_key[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) r.fail(where, 'must be a mapping', item);
    const o = item as Record<string, unknown>;
    const key = typeof o.key === 'number' ? String(o.key) : (o.key ?? '');
    if (typeof key !== 'string') r.fail(`${where}.key`, 'must be a string', o.key);
    if (o.role !== 'admin' && o.role !== 'viewer') r.fail(`${where}.role`, 'must be one of admin, viewer', o.role);
    const name = o.name ?? '';
    if (typeof name !== 'string') r.fail(`${where}.name`, 'must be a string', o.name);
    return { name, key, role: o.role };
  });
}

function allowAdmin(r: TreeReader, tree: unknown): string[] | undefined {
  const list = r.strList(tree, 'deployment.admin.allow_admin');
  list?.forEach((c, i) => {
    if (!parseCidr(c)) r.fail(`deployment.admin.allow_admin[${i}]`, 'must be an IP or CIDR', c);
  });
  return list;
}

function etcdHosts(r: TreeReader, tree: unknown): string[] {
  const hosts = r.strList(tree, 'deployment.etcd.host') ?? ['http://127.0.0.1:2379'];
  if (hosts.length === 0) r.fail('deployment.etcd.host', 'must list at least one URL', hosts);
  hosts.forEach((h, i) => {
    let ok = false;
    try {
      const u = new URL(h);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      ok = false;
    }
    if (!ok) r.fail(`deployment.etcd.host[${i}]`, 'must be an http:// or https:// URL', h);
  });
  return hosts;
}

function etcdPrefix(r: TreeReader, tree: unknown): string {
  const p = r.str(tree, 'deployment.etcd.prefix', '/apisix');
  if (!p.startsWith('/')) r.fail('deployment.etcd.prefix', 'must start with "/"', p);
  // APISIX strips a trailing slash so keys read "<prefix>/routes/1".
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function workerProcesses(r: TreeReader, tree: unknown): number {
  const v = r.at(tree, 'nginx_config.worker_processes');
  if (v === undefined || v === 'auto') return availableParallelism();
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    r.fail('nginx_config.worker_processes', 'must be "auto" or a positive integer', v);
  }
  return n;
}

// apisix.status is off unless present; an empty mapping (or null) turns it on with APISIX's
// defaults 127.0.0.1:7085 (apisix/cli/ops.lua validate_and_get_listen_addr).
function statusAddr(r: TreeReader, tree: unknown): ListenAddr | undefined {
  const v = r.at(tree, 'apisix.status');
  if (v === undefined) return undefined;
  if (v === null) return { ip: '127.0.0.1', port: 7085 };
  if (typeof v !== 'object' || Array.isArray(v)) r.fail('apisix.status', 'must be a mapping {ip, port}', v);
  const o = v as Record<string, unknown>;
  return listenAddr(r, { ip: o.ip ?? '127.0.0.1', port: o.port ?? 7085 }, 'apisix.status', 7085);
}

// nginx's time units (ngx_parse_time): ms, s, m, h, d, w, M (30 days), y (365 days).
const NGINX_TIME_UNITS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  M: 2_592_000,
  y: 31_536_000,
};

/** An nginx time value ("240s", "1m30s", "500ms", or a bare number of seconds) in seconds. */
function nginxSeconds(r: TreeReader, tree: unknown, path: string, dflt: number): number {
  const v = r.at(tree, path);
  if (v === undefined) return dflt;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === 'string' && /^(?:\d+(?:ms|[smhdwMy]))*\d+(?:ms|[smhdwMy])?$/.test(v.trim())) {
    let total = 0;
    for (const [, n, unit] of v.trim().matchAll(/(\d+)(ms|[smhdwMy])?/g)) {
      total += Number(n) * NGINX_TIME_UNITS[unit ?? 's']!;
    }
    return total;
  }
  return r.fail(path, 'must be an nginx time such as "240s", "4m" or a number of seconds', v);
}

// A relative access_log is relative to the project root (APISIX's prefix, the parent of conf/).
function accessLog(r: TreeReader, tree: unknown, confPath: string): string | false {
  if (!r.bool(tree, 'nginx_config.http.enable_access_log', true)) return false;
  const v = r.at(tree, 'nginx_config.http.access_log');
  if (v === false || v === 'off') return false;
  const s = r.str(tree, 'nginx_config.http.access_log', 'logs/access.log');
  if (s === 'stdout' || s === '-' || s === '/dev/stdout' || isAbsolute(s)) return s;
  return resolve(dirname(dirname(confPath)), s);
}

function pluginAttr(r: TreeReader, tree: unknown): Record<string, Record<string, unknown>> {
  const m = r.map(tree, 'plugin_attr');
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, v] of Object.entries(m)) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) r.fail(`plugin_attr.${name}`, 'must be a mapping', v);
    out[name] = v as Record<string, unknown>;
  }
  return out;
}
