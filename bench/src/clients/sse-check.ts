/** Incremental SSE reader for one stream: records arrival times and checks chunk order. */

const CONTENT = /"content"\s*:\s*"t(\d+)@(\d+) /;

/** What one stream delivered. */
export interface StreamTally {
  /** Arrival time (ms, performance.now()) of each content event, in arrival order. */
  arrivals: number[];
  /** Sequence numbers in arrival order. */
  seqs: number[];
  /** Per content event: arrival minus the mock's send time (ms, same host clock). */
  transits: number[];
  done: boolean;
  usage: boolean;
}

/** Feeds raw body text; events may be split across TCP chunks. */
export class SseReader {
  private buf = '';
  readonly tally: StreamTally = { arrivals: [], seqs: [], transits: [], done: false, usage: false };

  /** `now` is performance.now() (ms) and `nowUs` the host monotonic clock (µs) at arrival. */
  push(text: string, now: number, nowUs: number): void {
    this.buf += text;
    let i: number;
    while ((i = this.buf.indexOf('\n\n')) >= 0) {
      const ev = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      for (const line of ev.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') this.tally.done = true;
        else if (data.includes('"usage"') && !data.includes('"usage":null')) this.tally.usage = true;
        const m = CONTENT.exec(data);
        if (m) {
          this.tally.seqs.push(Number(m[1]));
          this.tally.arrivals.push(now);
          this.tally.transits.push((nowUs - Number(m[2])) / 1000);
        }
      }
    }
  }
}

/** Lost = expected sequence numbers never seen; reordered = arrivals below an earlier one. */
export function checkOrder(seqs: readonly number[], expected: number): { lost: number; reordered: number } {
  const seen = new Set<number>();
  let reordered = 0;
  let hi = -1;
  for (const s of seqs) {
    if (s < hi) reordered++;
    hi = Math.max(hi, s);
    if (s >= 0 && s < expected) seen.add(s);
  }
  return { lost: expected - seen.size, reordered };
}
