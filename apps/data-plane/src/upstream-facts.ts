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
 *
 * The current try's numbers are kept as numbers and written as text only when a variable is
 * read (most requests never read them: formatting them up front cost ~1 % of the CPU of an
 * AI request).
 */
export class UpstreamFacts implements UpstreamReport {
  scheme: string | undefined;
  host: string | undefined;
  uri: string | undefined;
  addr: string | undefined;
  // Joined values of the tries before the current one.
  private doneStatus: string | undefined;
  private doneHeaderTime: string | undefined;
  private doneResponseTime: string | undefined;
  // The current try: undefined until known; '-' for a header time of a try without a response head.
  private curStatus: number | undefined;
  private curHeaderMs: number | '-' | undefined;
  private curResponseMs: number | undefined;

  /** $upstream_status */
  get status(): string | undefined {
    return this.curStatus === undefined ? this.doneStatus : append(this.doneStatus, String(this.curStatus));
  }

  /** $upstream_header_time */
  get headerTime(): string | undefined {
    const h = this.curHeaderMs;
    return h === undefined ? this.doneHeaderTime : append(this.doneHeaderTime, h === '-' ? h : seconds(h));
  }

  /** $upstream_response_time */
  get responseTime(): string | undefined {
    const r = this.curResponseMs;
    return r === undefined ? this.doneResponseTime : append(this.doneResponseTime, seconds(r));
  }

  exchange(scheme: string, uri: string): void {
    this.scheme = scheme;
    this.uri = uri;
    this.host = undefined;
    this.addr = undefined;
    this.doneStatus = this.doneHeaderTime = this.doneResponseTime = undefined;
    this.curStatus = this.curHeaderMs = this.curResponseMs = undefined;
  }

  attempt(addr: string, host: string): void {
    const first = this.addr === undefined;
    // Until the new try reports, the variables read as the tries so far (joined).
    this.doneStatus = first ? undefined : this.status;
    this.doneHeaderTime = first ? undefined : this.headerTime;
    this.doneResponseTime = first ? undefined : this.responseTime;
    this.curStatus = this.curHeaderMs = this.curResponseMs = undefined;
    this.addr = append(this.addr, addr);
    this.host = host;
  }

  responded(status: number, ms: number): void {
    this.curStatus = status;
    this.curHeaderMs = ms;
  }

  failed(status: number, ms: number): void {
    this.curStatus = status;
    // nginx writes "-" for a try that got no response head (prometheus response_source reads it).
    this.curHeaderMs = '-';
    this.curResponseMs = ms;
  }

  finished(ms: number): void {
    this.curResponseMs = ms;
  }
}
