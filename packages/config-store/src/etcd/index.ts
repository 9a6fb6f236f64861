export { EtcdConfigStore, type EtcdConfigStoreOptions } from './etcd-store.js';
export { etcdStoreFromConf, type EtcdConnectionConf } from './from-conf.js';
