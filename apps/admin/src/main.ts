/** Process entry: `node dist/main.js [path/to/config.yaml]`. */
import { ensureAdminKey, loadConf } from '@portico/conf';
import { EtcdConfigStore } from '@portico/config-store';
import { allPlugins } from '@portico/plugins';
import { pino } from 'pino';
import { startAdmin } from './server.js';

async function main(): Promise<void> {
  const logger = pino({ name: 'portico-admin' });
  const conf = await ensureAdminKey(await loadConf(process.argv[2]));
  const etcd = conf.deployment.etcd;
  const store = new EtcdConfigStore({
    hosts: etcd.host,
    timeoutMs: etcd.timeout * 1000,
    ...(etcd.user !== undefined ? { auth: { username: etcd.user, password: etcd.password ?? '' } } : {}),
  });
  const admin = await startAdmin(conf, { store, plugins: allPlugins, logger });
  const stop = async (): Promise<void> => {
    await admin.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
