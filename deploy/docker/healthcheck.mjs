// Docker HEALTHCHECK for the Portico image: `node healthcheck.mjs <admin|data-plane|all>`.
// Reads the same config as the process (PORTICO_CONF, with ${{VAR}} substitution) to find its ports.
// data plane: GET /status/ready on the status listener (apisix.status, APISIX's default 7085) is 200;
// admin: the admin listener answers HTTP at all (401/503 included: liveness, not etcd health).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const home = process.env.PORTICO_HOME ?? dirname(fileURLToPath(import.meta.url));
const mode = process.argv[2] ?? 'data-plane';
const requireFromAdmin = createRequire(join(home, 'apps', 'admin', 'package.json'));
const { loadConf } = await import(pathToFileURL(requireFromAdmin.resolve('@portico/conf')).href);

const conf = await loadConf(process.env.PORTICO_CONF ?? join(home, 'conf', 'config.yaml'));
const local = (ip) => (ip === undefined || ip === '0.0.0.0' || ip === '::' ? '127.0.0.1' : ip);

async function get(url, okStatus) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    if (okStatus(res.status)) return true;
    console.error(`${url} -> ${res.status}`);
  } catch (e) {
    console.error(`${url} -> ${e.cause?.code ?? e.message}`);
  }
  return false;
}

const checks = [];
if (mode === 'admin' || mode === 'all') {
  const { ip, port } = conf.deployment.admin.adminListen;
  checks.push(get(`http://${local(ip)}:${port}/apisix/admin/routes`, (s) => s > 0));
}
if (mode === 'data-plane' || mode === 'all') {
  const status = conf.raw.apisix?.status ?? {};
  checks.push(get(`http://${local(status.ip)}:${status.port ?? 7085}/status/ready`, (s) => s === 200));
}
process.exit((await Promise.all(checks)).every(Boolean) && checks.length > 0 ? 0 : 1);
