export * from './types.js';
export * from './table.js';
export * from './keys.js';
export * from './stored.js';
