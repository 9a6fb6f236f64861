import type { ResponseLimitsConf } from './response-limits-schema.js';

/** Which cap ended a stream (APISIX `ctx.ai_stream_aborted` values). */
export type StreamLimit = 'max_stream_duration_ms' | 'max_response_bytes';

/**
 * The runaway-upstream caps of one SSE response (ai-providers/base.lua parse_streaming_response):
 * bytes read from the upstream, and wall-clock time since the LLM request started.
 *
 * APISIX checks both after forwarding each chunk, so the chunk that crosses a cap still reaches
 * the client. The duration is also watched by a timer here, so a stream that stalls past its
 * deadline ends at the deadline instead of at the next chunk (once a chunk went out; before
 * that, the next chunk is forwarded first, as in APISIX).
 */
export class StreamGuard {
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private expired = false;
  private forwarded = false;
  private onExpire: ((limit: StreamLimit) => void) | undefined;

  constructor(
    private readonly limits: Pick<ResponseLimitsConf, 'max_stream_duration_ms' | 'max_response_bytes'>,
    private readonly startNs: bigint,
  ) {}

  /** Bytes read from the upstream so far. */
  get bytesRead(): number {
    return this.bytes;
  }

  /** Start the deadline timer; `onExpire` runs when it passes after a chunk went out. */
  start(onExpire: (limit: StreamLimit) => void): void {
    const max = this.limits.max_stream_duration_ms;
    if (max === undefined) return;
    this.onExpire = onExpire;
    const left = max - Number((process.hrtime.bigint() - this.startNs) / 1_000_000n);
    this.timer = setTimeout(() => this.onDeadline(), Math.max(0, left));
  }

  private onDeadline(): void {
    this.timer = undefined;
    this.expired = true;
    if (this.forwarded) this.onExpire?.('max_stream_duration_ms');
  }

  /** Count an upstream chunk (before it is forwarded). */
  count(chunk: Uint8Array): void {
    this.bytes += chunk.length;
  }

  /** After forwarding a chunk: the cap it crossed, if any (duration first, like APISIX). */
  afterForward(): StreamLimit | undefined {
    this.forwarded = true;
    if (this.expired) return 'max_stream_duration_ms';
    const max = this.limits.max_response_bytes;
    if (max !== undefined && this.bytes > max) return 'max_response_bytes';
    return undefined;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.onExpire = undefined;
  }
}
