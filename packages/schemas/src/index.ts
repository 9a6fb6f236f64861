export * from './encryption.js';
