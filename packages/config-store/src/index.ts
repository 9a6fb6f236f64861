export * from './types.js';
export { MemoryConfigStore } from './memory/index.js';
export { EtcdConfigStore, etcdStoreFromConf, type EtcdConfigStoreOptions, type EtcdConnectionConf } from './etcd/index.js';
export {
  entryValues,
  resolveEntries,
  standaloneEntries,
  StandaloneConfigError,
  STANDALONE_RESOURCES,
  type StandaloneEntry,
} from './standalone/entries.js';
export {
  FileConfigSource,
  parseStandaloneText,
  type FileConfigSourceOptions,
  type FileSourceLogger,
} from './standalone/file-source.js';
export { StandaloneFileStore } from './standalone/file-store.js';
