// `$secret://` / `$env://` references: parsing, the secret managers (vault, aws, gcp) and a
// caching resolver. The Admin API needs only `./schemas`.
export { collectRefs, ENV_PREFIX, hasSecretRef, parseRef, SECRET_PREFIX, substituteRefs, type Ref } from './refs.js';
export { resolveEnv, type EnvLookup } from './env.js';
export { secretManagers, SecretFetchError, type HttpFetch, type SecretManager } from './managers/index.js';
export { SecretResolver, type ResolverOptions, type SecretLogger } from './resolver.js';
export { secretManagerSchemas } from './schemas.js';
