import type { PorticoConf } from '@portico/conf';
import { EtcdConfigStore } from '@portico/config-store';

/** The etcd client of one data-plane worker, from deployment.etcd. */
export function createEtcdStore(conf: PorticoConf): EtcdConfigStore {
  const etcd = conf.deployment.etcd;
  return new EtcdConfigStore({
    hosts: etcd.host,
    timeoutMs: etcd.timeout * 1000,
    ...(etcd.user !== undefined && etcd.password !== undefined ? { auth: { username: etcd.user, password: etcd.password } } : {}),
  });
}
