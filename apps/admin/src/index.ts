export { buildAdminApp, type AdminDeps } from './app.js';
export { startAdmin, type StartAdminOptions, type RunningAdmin } from './server.js';
export { APISIX_VERSION } from './respond.js';
export { AdminError } from './errors.js';
