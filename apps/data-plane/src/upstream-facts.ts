import type { UpstreamReport } from '@portico/plugin-sdk';

function append(before: string | undefined, v: string): string {
  return before === undefined ? v : `${before}, ${v}`;
}

/** nginx writes upstream times in seconds with millisecond precision. */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * The request's upstream report, as the `$upstream_*` variables read it (see vars.ts): every
 * value is nginx's text, tries joined with ", ". Filled by whichever transport talked to the
 * upstream (proxy/forward.ts, or a plugin through RequestContext.upstream).
 */
export class UpstreamFacts implements UpstreamReport {
  scheme: string | undefined;
  host: string | undefined;
  uri: string | undefined;
  addr: string | undefined;
  status: string | undefined;
  headerTime: string | undefined;
  responseTime: string | undefined;
  // Joined values of the tries before the current one.
  private doneStatus: string | undefined;
  private doneHeaderTime: string | undefined;
  private doneResponseTime: string | undefined;

  exchange(scheme: string, uri: string): void {
    this.scheme = scheme;
    this.uri = uri;
    this.host = undefined;
    this.addr = undefined;
    this.status = this.headerTime = this.responseTime = undefined;
  }

  attempt(addr: string, host: string): void {
    this.doneStatus = this.addr === undefined ? undefined : this.status;
    this.doneHeaderTime = this.addr === undefined ? undefined : this.headerTime;
    this.doneResponseTime = this.addr === undefined ? undefined : this.responseTime;
    this.addr = append(this.addr, addr);
    this.host = host;
  }

  responded(status: number, ms: number): void {
    this.status = append(this.doneStatus, String(status));
    this.headerTime = append(this.doneHeaderTime, seconds(ms));
  }

  failed(status: number, ms: number): void {
    this.status = append(this.doneStatus, String(status));
    // nginx writes "-" for a try that got no response head (prometheus response_source reads it).
    this.headerTime = append(this.doneHeaderTime, '-');
    this.responseTime = append(this.doneResponseTime, seconds(ms));
  }

  finished(ms: number): void {
    this.responseTime = append(this.doneResponseTime, seconds(ms));
  }
}
