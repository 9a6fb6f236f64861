/** Process entry: `node dist/main.js [path/to/config.yaml]`. */
import { ensureAdminKey, loadConf } from '@portico/conf';
import { etcdStoreFromConf, MemoryConfigStore } from '@portico/config-store';
import { allDefinitions } from '@portico/plugins/definitions';
import { pino } from 'pino';
import { startAdmin } from './server.js';

async function main(): Promise<void> {
  const logger = pino({ name: 'portico-admin' });
  const loaded = await loadConf(process.argv[2]);
  if (loaded.deployment.role === 'data_plane') {
    // APISIX turns the Admin API off for a data plane (apisix/cli/file.lua sets enable_admin
    // false): the admin process has nothing to run. Exit 0: a configuration, not a failure.
    console.error(
      `portico admin: deployment.role is data_plane in ${loaded.path}: a data plane serves no Admin API (run apps/data-plane), so the admin does not start`,
    );
    process.exit(0);
  }
  const conf = await ensureAdminKey(loaded);
  // Standalone (config_provider yaml) has no etcd: an empty in-memory store backs the checks.
  const store = conf.deployment.configProvider === 'etcd' ? etcdStoreFromConf(conf.deployment.etcd) : new MemoryConfigStore();
  const admin = await startAdmin(conf, { store, plugins: allDefinitions, logger });
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
