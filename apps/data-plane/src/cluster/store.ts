import { substituteEnvText, type PorticoConf } from '@portico/conf';
import { type ConfigStore, etcdStoreFromConf, StandaloneFileStore } from '@portico/config-store';
import type { Logger } from '@portico/plugin-sdk';

/**
 * Where one worker reads its configuration: etcd, or in standalone mode (yaml / json config
 * provider) an in-memory store mirroring `conf/apisix.yaml` (or `.json`, or the file the
 * API-driven standalone Admin API writes), re-read when it changes. The data plane's sync is
 * the same either way.
 */
export async function createConfigStore(conf: PorticoConf, logger: Logger): Promise<ConfigStore> {
  if (conf.deployment.configProvider === 'etcd') return etcdStoreFromConf(conf.deployment.etcd);
  const store = new StandaloneFileStore({
    path: conf.deployment.standaloneFile,
    format: conf.deployment.configProvider === 'json' ? 'json' : 'yaml',
    prefix: conf.deployment.etcd.prefix,
    logger,
    substituteText: (text) => substituteEnvText(text, process.env),
  });
  await store.start();
  return store;
}
