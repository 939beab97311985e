/**
 * Forwarding latency: from the host receiving the line that carried an event
 * to a panel having drawn it. Both ends are stamped on the wall clock at high
 * resolution (`performance.timeOrigin + performance.now()`), the host's when
 * the line arrives and the webview's after the frame that put the event's
 * text in the DOM; the webview acks the last seq it drew with its stamp. The
 * host and a webview share one machine (a browser beside a remote host has
 * its own clock, and those figures say so by being off).
 */

/** A high-resolution wall-clock stamp, comparable across processes of one machine. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/** Latency samples with exact percentiles up to a bound, and a uniform sample of them beyond it. */
export class LatencySamples {
  count = 0;
  max = 0;
  private sum = 0;
  private readonly values: number[] = [];
  private seed = 0x2545f491;

  constructor(private readonly bound = 10_000) {}

  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const v = Math.max(0, ms);
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
    if (this.values.length < this.bound) this.values.push(v);
    else {
      // Reservoir sampling with a fixed xorshift seed: bounded memory, reproducible figures.
      this.seed ^= this.seed << 13;
      this.seed ^= this.seed >>> 17;
      this.seed ^= this.seed << 5;
      const j = (this.seed >>> 0) % this.count;
      if (j < this.bound) this.values[j] = v;
    }
  }

  /** The p-th percentile (0-100), nearest rank; 0 when empty. */
  percentile(p: number): number {
    if (!this.values.length) return 0;
    const s = [...this.values].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  }

  summary(): LatencySummary | undefined {
    if (!this.count) return undefined;
    const r = (n: number) => Math.round(n * 10) / 10;
    return { count: this.count, p50: r(this.percentile(50)), p95: r(this.percentile(95)), p99: r(this.percentile(99)), max: r(this.max), mean: r(this.sum / this.count) };
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Events forwarded and not yet acked, oldest first; bounded, so a panel that never acks costs little. */
const MAX_UNACKED = 8192;

/**
 * Matches a panel's acks to the stamps of the events the host forwarded to
 * it. An ack of seq n measures every forwarded event up to n not measured
 * yet, each from its own arrival, so a frame that drew a hundred events
 * yields a hundred latencies.
 */
export class ForwardingMeter {
  readonly latency = new LatencySamples();
  private seqs: number[] = [];
  private stamps: number[] = [];
  private head = 0;

  /** An event numbered `seq` (in the panel's stream) whose line arrived at `receivedAt`, on its way to the panel. */
  sent(seq: number, receivedAt: number): void {
    if (this.seqs.length - this.head >= MAX_UNACKED) this.head++;
    this.seqs.push(seq);
    this.stamps.push(receivedAt);
  }

  /** The panel drew everything up to `seq` at `drawnAt`. Returns how many events this measured. */
  drawn(seq: number, drawnAt: number): number {
    let n = 0;
    while (this.head < this.seqs.length && this.seqs[this.head] <= seq) {
      this.latency.add(drawnAt - this.stamps[this.head]);
      this.head++;
      n++;
    }
    if (this.head > 1024 && this.head * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.head);
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
    return n;
  }

  /** Forgets unacked events (the webview was reloaded or hidden: what it draws next is a replay, not forwarding). */
  reset(): void {
    this.seqs = [];
    this.stamps = [];
    this.head = 0;
  }

  /** Whether every forwarded event has been acked. */
  get settled(): boolean {
    return this.head >= this.seqs.length;
  }
}
