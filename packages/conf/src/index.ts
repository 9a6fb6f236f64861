export * from './types.js';
export { ConfError, type ConfErrorCode } from './errors.js';
export { loadConf, parseConf, resolveConfPath, type LoadConfOptions } from './load.js';
export { ensureAdminKey, generateAdminKey } from './admin-key.js';
export { compileAllowList, isAllowed, parseCidr, type AllowCheck } from './cidr.js';
export { substituteEnv, substituteEnvText } from './env.js';
