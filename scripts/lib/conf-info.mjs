// Reads the Portico config (PORTICO_CONF or conf/config.yaml) with @portico/conf, generates the
// admin key if it is empty (as the admin does at first start), and prints shell assignments for
// scripts/start.sh: role, admin/data-plane ports, etcd hosts and whether any of them answers.
import { ensureAdminKey, loadConf } from '../../packages/conf/dist/index.js';

const quote = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;

async function reachable(host) {
  try {
    const res = await fetch(new URL('/version', host), { signal: AbortSignal.timeout(2000) });
    return res.status > 0;
  } catch {
    return false;
  }
}

try {
  const conf = await ensureAdminKey(await loadConf());
  const { role, admin, etcd } = conf.deployment;
  const answers = await Promise.all(etcd.host.map(reachable));
  const local = etcd.host.every((h) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(h).hostname));
  const first = new URL(etcd.host[0]);
  const out = {
    CONF_PATH: conf.path,
    ROLE: role,
    ADMIN_PORT: admin.adminListen.port,
    NODE_PORT: conf.apisix.nodeListen[0].port,
    ETCD_HOSTS: etcd.host.join(' '),
    ETCD_REACHABLE: answers.some(Boolean) ? 1 : 0,
    ETCD_LOCAL: local ? 1 : 0,
    ETCD_PORT: first.port || (first.protocol === 'https:' ? 443 : 80),
    ETCD_SCHEME: first.protocol.replace(':', ''),
  };
  for (const [k, v] of Object.entries(out)) console.log(`${k}=${quote(v)}`);
} catch (e) {
  console.error(`[portico] ${e.message}`);
  process.exit(1);
}
