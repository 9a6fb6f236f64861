export { startDataPlane, APISIX_VERSION, type DataPlane, type DataPlaneDeps } from './server/server.js';
export { Router, type RouteSpec, type MatchRequest } from './router/router.js';
export { compileExpr, type CompiledExpr, type VarSource } from './router/expr.js';
export { compileLogFormat, DEFAULT_ACCESS_LOG_FORMAT } from './logging/access-log-format.js';
export { nginxErrorPage } from '@portico/plugin-helpers';
export type { Snapshot } from './snapshot/snapshot.js';
