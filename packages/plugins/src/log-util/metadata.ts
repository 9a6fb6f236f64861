/**
 * Logger plugin_metadata (`/apisix/plugin_metadata/<logger>`): its `log_format` /
 * `log_format_extra` apply to every conf that sets none, and `max_pending_entries` caps the
 * backlog (apisix/utils/log-util.lua get_log_entry, batch-processor-manager.lua).
 *
 * Metadata objects are frozen and replaced (never mutated) when the metadata changes, so
 * everything derived from one is compiled once and cached in WeakMaps keyed by it: a request
 * costs a few WeakMap lookups, never a parse or a compile.
 */
import type { LogEntryPlan } from './entry.js';
import { compileLogFormat, formatUsesRequestBody, type CompiledFormat } from './log-format.js';
import { MAX_PENDING_ENTRIES_DEFAULT } from './schema.js';

/** A plugin's metadata as `RequestContext.pluginMetadata` returns it. */
export type LoggerMetadata = Readonly<Record<string, unknown>>;

interface MetadataFormats {
  /** The metadata's log_format, when it has at least one key (`nkeys > 0` in log-util.lua). */
  readonly format: CompiledFormat | undefined;
  /** The metadata's log_format_extra, when it has at least one key. */
  readonly extra: CompiledFormat | undefined;
  readonly extraKeys: readonly string[];
}

const NO_FORMATS: MetadataFormats = { format: undefined, extra: undefined, extraKeys: [] };
const formatsByMeta = new WeakMap<object, MetadataFormats>();
const mergedByPlan = new WeakMap<LogEntryPlan, WeakMap<object, LogEntryPlan>>();

function nonEmptyObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0
    ? (v as Record<string, unknown>)
    : undefined;
}

function formatsOf(meta: LoggerMetadata): MetadataFormats {
  let f = formatsByMeta.get(meta);
  if (f === undefined) {
    const format = nonEmptyObject(meta['log_format']);
    const extra = nonEmptyObject(meta['log_format_extra']);
    f =
      format || extra
        ? {
            format: format ? compileLogFormat(format) : undefined,
            extra: extra ? compileLogFormat(extra) : undefined,
            extraKeys: extra ? Object.keys(extra) : [],
          }
        : NO_FORMATS;
    formatsByMeta.set(meta, f);
  }
  return f;
}

/**
 * The plan a request uses given the plugin's metadata (log-util.lua get_log_entry): the
 * conf's own `log_format` wins (even `{}`); else a non-empty metadata `log_format`; else the
 * full entry, enriched by the conf's `log_format_extra` or, when the conf has none, the
 * metadata's. Returns `plan` itself when the metadata changes nothing; merged plans are
 * built once per (plan, metadata object).
 */
export function planWithMetadata(plan: LogEntryPlan, meta: LoggerMetadata | undefined): LogEntryPlan {
  if (meta === undefined || plan.ownFormat) return plan;
  const m = formatsOf(meta);
  const format = m.format;
  const extra = format === undefined && !plan.ownExtra ? m.extra : undefined;
  if (format === undefined && extra === undefined) return plan;
  let byMeta = mergedByPlan.get(plan);
  if (byMeta === undefined) mergedByPlan.set(plan, (byMeta = new WeakMap()));
  let merged = byMeta.get(meta);
  if (merged === undefined) {
    const formatNeedsBody = format !== undefined ? formatUsesRequestBody(format) : formatUsesRequestBody(extra!);
    merged = {
      ...plan,
      format,
      extra: format === undefined ? extra : undefined,
      extraKeys: format === undefined ? m.extraKeys : [],
      formatNeedsBody,
      // A custom log_format never carries include_req_body's body.
      mayNeedBody: formatNeedsBody || (plan.includeReqBody && format === undefined),
    };
    byMeta.set(meta, merged);
  }
  return merged;
}

/** `max_pending_entries` of the metadata, else APISIX's default (batch-processor-manager.lua). */
export function maxPendingEntries(meta: LoggerMetadata | undefined): number {
  const v = meta?.['max_pending_entries'];
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : MAX_PENDING_ENTRIES_DEFAULT;
}
