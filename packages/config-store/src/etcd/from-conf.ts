import { EtcdConfigStore } from './etcd-store.js';

/** The part of `deployment.etcd` (conf/config.yaml) an etcd client is built from. */
export interface EtcdConnectionConf {
  host: readonly string[];
  /** Seconds. */
  timeout: number;
  user?: string;
  password?: string;
}

/**
 * The etcd client of a Portico process (admin or data-plane worker) from `deployment.etcd`:
 * every call bounded by `timeout`, and authenticated when both `user` and `password` are set,
 * as lua-resty-etcd decides.
 */
export function etcdStoreFromConf(etcd: EtcdConnectionConf): EtcdConfigStore {
  return new EtcdConfigStore({
    hosts: [...etcd.host],
    timeoutMs: etcd.timeout * 1000,
    ...(etcd.user !== undefined && etcd.password !== undefined ? { auth: { username: etcd.user, password: etcd.password } } : {}),
  });
}
