/**
 * IPC between the cluster primary (owner of the pod's metric totals and the exporter) and
 * each worker. Tagged with `portico` values of their own, so the data plane's and the other
 * pod-shared message handlers ignore them.
 */
import type { WorkerReport } from './series.js';

/** primary → worker: send your increments now (a scrape is waiting). */
export const SCRAPE_REQUEST = 'prom-scrape?';
/** worker → primary: increments and gauges; `seq` answers a scrape, 0 = periodic push. */
export const REPORT = 'prom-report';

export interface ScrapeRequest {
  portico: typeof SCRAPE_REQUEST;
  seq: number;
}

export interface ReportMsg {
  portico: typeof REPORT;
  seq: number;
  report: WorkerReport;
}

function tagged(v: unknown, tag: string): boolean {
  return v !== null && typeof v === 'object' && (v as { portico?: unknown }).portico === tag;
}

export function isScrapeRequest(v: unknown): v is ScrapeRequest {
  return tagged(v, SCRAPE_REQUEST) && typeof (v as ScrapeRequest).seq === 'number';
}

export function isReport(v: unknown): v is ReportMsg {
  if (!tagged(v, REPORT)) return false;
  const r = (v as ReportMsg).report;
  return (
    typeof (v as ReportMsg).seq === 'number' &&
    r !== null &&
    typeof r === 'object' &&
    Array.isArray(r.deltas) &&
    Array.isArray(r.gauges)
  );
}
