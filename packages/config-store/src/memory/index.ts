export { MemoryConfigStore } from './memory-store.js';
