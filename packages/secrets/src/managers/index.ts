import { aws } from './aws.js';
import { gcp } from './gcp.js';
import type { SecretManager } from './types.js';
import { vault } from './vault.js';

/** The secret managers APISIX ships (apisix/secret/*.lua), by name. */
export const secretManagers: ReadonlyMap<string, SecretManager<never>> = new Map<string, SecretManager<never>>([
  [vault.name, vault as SecretManager<never>],
  [aws.name, aws as SecretManager<never>],
  [gcp.name, gcp as SecretManager<never>],
]);

export { SecretFetchError, type HttpFetch, type SecretManager } from './types.js';
