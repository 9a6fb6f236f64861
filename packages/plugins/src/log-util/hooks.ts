import type { HookResult, MaybePromise, RequestContext, ResponseHead } from '@portico/plugin-sdk';
import { captureResponseHead, readRequestBodyForLog, type LogEntryPlan } from './entry.js';
import { planWithMetadata } from './metadata.js';

/** The request-side hooks every logger plugin (http-logger, file-logger, ...) shares. */
export interface LoggerRequestHooks<S extends { readonly plan: LogEntryPlan }> {
  access(ctx: RequestContext, state: S): MaybePromise<HookResult>;
  headerFilter(ctx: RequestContext, state: S, res: ResponseHead): void;
}

/**
 * access reads the request body only when this request's plan (conf merged with the plugin's
 * metadata) logs it, staying synchronous otherwise (no promise per request); headerFilter
 * keeps the response head for the entry.
 */
export function loggerRequestHooks<S extends { readonly plan: LogEntryPlan }>(name: string): LoggerRequestHooks<S> {
  return {
    access(ctx, state) {
      const plan = planWithMetadata(state.plan, ctx.pluginMetadata?.(name));
      return plan.mayNeedBody ? readRequestBodyForLog(ctx, plan) : undefined;
    },
    headerFilter(ctx, _state, res) {
      captureResponseHead(ctx, res);
    },
  };
}
