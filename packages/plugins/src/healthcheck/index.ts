// Active health checks for plugin-managed upstreams (ai-proxy-multi instances).
export { ActiveHealthChecker, type HealthTarget, type CheckerOptions } from './checker.js';
export {
  healthCheckerActiveSchema,
  resolveActiveCheck,
  type ActiveCheckConf,
  type ResolvedActiveCheck,
} from './schema.js';
