export * from './types.js';
export { MemoryConfigStore } from './memory/index.js';
export { EtcdConfigStore, type EtcdConfigStoreOptions } from './etcd/index.js';
