export { EtcdConfigStore, type EtcdConfigStoreOptions } from './etcd-store.js';
