/** Process entry of the data plane: `node dist/main.js [conf/config.yaml]`. */
import { loadConf } from '@portico/conf';
import { EtcdConfigStore } from '@portico/config-store';
import { allPlugins } from '@portico/plugins';
import { createLogger } from './logging/logger.js';
import { startDataPlane } from './server.js';

const logger = createLogger();
const conf = await loadConf(process.argv[2]);
const etcd = conf.deployment.etcd;
const store = new EtcdConfigStore({
  hosts: etcd.host,
  timeoutMs: etcd.timeout * 1000,
  ...(etcd.user !== undefined && etcd.password !== undefined ? { auth: { username: etcd.user, password: etcd.password } } : {}),
});
const dp = await startDataPlane(conf, { store, plugins: allPlugins, logger });

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'data plane shutting down');
  await dp.close();
  await store.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
