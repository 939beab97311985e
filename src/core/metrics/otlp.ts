// Run metrics over OTLP/HTTP (JSON encoding) to a collector the user names:
// the convention the agent CLIs follow for their own telemetry (delta
// temporality, an export every 60 s). Off unless an endpoint is set; nothing
// of a prompt, an answer or a path is sent: agent ids, statuses and numbers.
//
// Written by hand rather than with the OpenTelemetry SDK: we export a handful
// of instruments from finished runs, and the SDK's metrics and OTLP/HTTP
// exporter packages bundle to about 120 KB gzip, more than the whole
// extension (80 KB).
import { randomUUID } from 'node:crypto';
import type { HistoryRecord } from '../history/historyRecord';
import { HttpClient, readText } from '../http/httpClient';
import type { Logger } from '../log';
import { otlpMetricsUrl } from './otlpConfig';

export { otlpHeaders, otlpMetricsUrl } from './otlpConfig';

// ---- aggregation ----

type Attributes = Record<string, string | boolean>;

/** Bucket bounds in milliseconds, from a fast cache hit to a long agent run. */
const MS_BOUNDS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000];
const RATE_BOUNDS = [10, 100, 1000, 10_000, 100_000, 1_000_000];

interface Instrument {
  name: string;
  description: string;
  unit: string;
  kind: 'sum' | 'histogram';
  bounds?: number[];
}

const INSTRUMENTS: Record<string, Instrument> = {
  runs: { name: 'agent_relay.run.count', description: 'Finished runs', unit: '{run}', kind: 'sum' },
  tokens: { name: 'agent_relay.token.usage', description: 'Tokens the agents reported', unit: '{token}', kind: 'sum' },
  cost: { name: 'agent_relay.cost.usage', description: 'Cost the agents reported (runs that report none add nothing)', unit: 'USD', kind: 'sum' },
  duration: { name: 'agent_relay.run.duration', description: 'Run duration', unit: 'ms', kind: 'histogram', bounds: MS_BOUNDS },
  firstOutput: { name: 'agent_relay.run.first_output', description: 'Time from the start to the first output', unit: 'ms', kind: 'histogram', bounds: MS_BOUNDS },
  queueWait: { name: 'agent_relay.run.queue_wait', description: 'Time waiting in the run queue', unit: 'ms', kind: 'histogram', bounds: MS_BOUNDS },
  detection: { name: 'agent_relay.cli.detection', description: 'Finding the agent CLI', unit: 'ms', kind: 'histogram', bounds: MS_BOUNDS },
  creation: { name: 'agent_relay.provider.creation', description: "Getting the agent's provider instance (made, or cached from an earlier run)", unit: 'ms', kind: 'histogram', bounds: MS_BOUNDS },
  spawn: { name: 'agent_relay.run.spawn_to_first_byte', description: 'From spawning the CLI or sending the request to its first byte', unit: 'ms', kind: 'histogram', bounds: MS_BOUNDS },
  cacheLookup: { name: 'agent_relay.cache.lookup', description: 'Response cache lookup', unit: 'ms', kind: 'histogram', bounds: MS_BOUNDS },
  forwarding: { name: 'agent_relay.forwarding.latency', description: "A run's p95 from a line arriving to its text drawn in the panel", unit: 'ms', kind: 'histogram', bounds: MS_BOUNDS },
  throughput: { name: 'agent_relay.run.throughput', description: 'Answer text characters a second', unit: '{char}/s', kind: 'histogram', bounds: RATE_BOUNDS },
};

interface Series {
  instrument: Instrument;
  attributes: Attributes;
  sum: number;
  count: number;
  min: number;
  max: number;
  buckets?: number[];
}

/** What the export reads of a finished run: numbers, its agent and status (no prompt, no context, no path). */
export type RunFigures = Pick<HistoryRecord, 'agentId' | 'status' | 'cache' | 'inputTokens' | 'outputTokens' | 'costUsd' | 'durationMs' | 'metrics'>;

function figuresOf(r: RunFigures): RunFigures {
  return { agentId: r.agentId, status: r.status, cache: r.cache, inputTokens: r.inputTokens, outputTokens: r.outputTokens, costUsd: r.costUsd, durationMs: r.durationMs, metrics: r.metrics };
}

/** Adds finished runs up by instrument and attributes, between two exports (delta temporality). */
export class MetricsBatch {
  private readonly series = new Map<string, Series>();
  records = 0;

  add(rec: RunFigures): void {
    this.records++;
    const agent = { 'agent.id': rec.agentId };
    this.observe('runs', { ...agent, 'run.status': rec.status, ...(rec.cache ? { 'cache.result': rec.cache } : {}) }, 1);
    if (rec.inputTokens !== undefined) this.observe('tokens', { ...agent, type: 'input' }, rec.inputTokens);
    if (rec.outputTokens !== undefined) this.observe('tokens', { ...agent, type: 'output' }, rec.outputTokens);
    if (rec.costUsd !== undefined) this.observe('cost', agent, rec.costUsd);
    this.observe('duration', { ...agent, 'run.status': rec.status }, rec.durationMs);
    const m = rec.metrics ?? {};
    // An answer from the cache took no agent time: only its lookup and queue wait say something.
    const fromCache = rec.cache === 'hit';
    this.observe('queueWait', agent, m.queueWaitMs);
    this.observe('cacheLookup', agent, m.cacheLookupMs);
    if (fromCache) return;
    this.observe('firstOutput', agent, m.firstOutputMs);
    this.observe('detection', { ...agent, cached: m.detectionCached === true }, m.detectionMs);
    this.observe('creation', { ...agent, cached: m.providerCached === true }, m.providerCreationMs);
    this.observe('spawn', agent, m.spawnToFirstByteMs);
    this.observe('forwarding', agent, m.forwardingP95Ms);
    this.observe('throughput', agent, m.charsPerSec);
  }

  get empty(): boolean {
    return this.series.size === 0;
  }

  private observe(key: keyof typeof INSTRUMENTS, attributes: Attributes, value: number | undefined): void {
    if (value === undefined || !Number.isFinite(value) || value < 0) return;
    const instrument = INSTRUMENTS[key];
    const id = `${instrument.name}\0${JSON.stringify(Object.entries(attributes).sort())}`;
    let s = this.series.get(id);
    if (!s) {
      s = { instrument, attributes, sum: 0, count: 0, min: value, max: value, buckets: instrument.bounds && new Array(instrument.bounds.length + 1).fill(0) };
      this.series.set(id, s);
    }
    s.sum += value;
    s.count++;
    s.min = Math.min(s.min, value);
    s.max = Math.max(s.max, value);
    if (s.buckets && instrument.bounds) {
      const i = instrument.bounds.findIndex((b) => value <= b);
      s.buckets[i === -1 ? instrument.bounds.length : i]++;
    }
  }

  /** An ExportMetricsServiceRequest in OTLP's JSON encoding (64-bit integers as decimal strings). */
  toOtlp(resource: { serviceVersion: string; attributes?: Attributes }, startMs: number, endMs: number): unknown {
    const start = nanos(startMs);
    const end = nanos(endMs);
    const byInstrument = new Map<Instrument, Series[]>();
    for (const s of this.series.values()) byInstrument.set(s.instrument, [...(byInstrument.get(s.instrument) ?? []), s]);
    const metrics = [...byInstrument].map(([inst, series]) => {
      const head = { name: inst.name, description: inst.description, unit: inst.unit };
      if (inst.kind === 'sum') {
        return {
          ...head,
          sum: {
            aggregationTemporality: 1, // DELTA
            isMonotonic: true,
            dataPoints: series.map((s) => ({ attributes: kv(s.attributes), startTimeUnixNano: start, timeUnixNano: end, asDouble: s.sum })),
          },
        };
      }
      return {
        ...head,
        histogram: {
          aggregationTemporality: 1,
          dataPoints: series.map((s) => ({
            attributes: kv(s.attributes),
            startTimeUnixNano: start,
            timeUnixNano: end,
            count: String(s.count),
            sum: s.sum,
            min: s.min,
            max: s.max,
            bucketCounts: (s.buckets ?? []).map(String),
            explicitBounds: inst.bounds,
          })),
        },
      };
    });
    return {
      resourceMetrics: [
        {
          resource: { attributes: kv({ 'service.name': 'agent-relay', 'service.version': resource.serviceVersion, ...resource.attributes }) },
          scopeMetrics: [{ scope: { name: 'agent-relay', version: resource.serviceVersion }, metrics }],
        },
      ],
    };
  }
}

function nanos(ms: number): string {
  return `${BigInt(Math.round(ms)) * 1_000_000n}`;
}

function kv(attributes: Attributes) {
  return Object.entries(attributes).map(([key, v]) => ({ key, value: typeof v === 'boolean' ? { boolValue: v } : { stringValue: v } }));
}

// ---- export ----

export interface OtlpExporterOptions {
  endpoint: string;
  headers?: Record<string, string>;
  serviceVersion: string;
  /** Between exports; 60 s by default, as the agent CLIs do (kept within 1 s and a day). */
  intervalMs?: number;
  /** Runs kept while the collector cannot be reached; the oldest go first. */
  maxPending?: number;
  timeoutMs?: number;
  logger: Logger;
  now?: () => number;
}

export interface OtlpStatus {
  url: string;
  sentRuns: number;
  droppedRuns: number;
  lastSentAt?: number;
  lastError?: string;
}

/**
 * Collects finished runs and sends them every interval (and when closed).
 * A failed send keeps its runs for the next one, bounded; a collector that
 * rejects the payload (4xx other than 429) drops them, since sending the same
 * again cannot help. One send at a time; never throws into a run.
 */
export class OtlpExporter {
  readonly url: string;
  private readonly client: HttpClient;
  private readonly path: string;
  /** Runs not sent yet: only their figures, so 2,000 of them stay small whatever their prompts held. */
  private pending: RunFigures[] = [];
  /** Tells this window's or process's points apart from another's: delta streams need one writer each. */
  private readonly instanceId = randomUUID();
  private windowStart: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private sending: Promise<void> | undefined;
  private readonly statusValue: OtlpStatus;
  private readonly now: () => number;

  constructor(private readonly opts: OtlpExporterOptions) {
    this.url = otlpMetricsUrl(opts.endpoint);
    const u = new URL(this.url);
    this.client = new HttpClient(u.origin);
    this.path = `${u.pathname}${u.search}`;
    this.now = opts.now ?? Date.now;
    this.windowStart = this.now();
    this.statusValue = { url: `${u.origin}${u.pathname}`, sentRuns: 0, droppedRuns: 0 };
  }

  get status(): OtlpStatus {
    return { ...this.statusValue };
  }

  record(rec: RunFigures): void {
    this.pending.push(figuresOf(rec));
    this.bound();
    if (!this.timer) {
      const interval = Number.isFinite(this.opts.intervalMs) ? Math.min(86_400_000, Math.max(1000, this.opts.intervalMs!)) : 60_000;
      this.timer = setInterval(() => void this.flush(), interval);
      this.timer.unref?.();
    }
  }

  private bound(): void {
    const max = this.opts.maxPending ?? 2000;
    if (this.pending.length > max) this.statusValue.droppedRuns += this.pending.splice(0, this.pending.length - max).length;
  }

  /** Sends what is pending now (waiting for a send under way first). */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
    if (!this.pending.length) return;
    this.sending = this.send().finally(() => (this.sending = undefined));
    await this.sending;
  }

  /** Sends the rest and stops, waiting at most `ms` (a collector that does not answer must not hold up an exit). */
  async close(ms = 5000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.flush(), new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    this.client.dispose();
  }

  private async send(): Promise<void> {
    const records = this.pending;
    this.pending = [];
    const batch = new MetricsBatch();
    for (const r of records) batch.add(r);
    const end = this.now();
    const body = batch.toOtlp({ serviceVersion: this.opts.serviceVersion, attributes: { 'service.instance.id': this.instanceId } }, this.windowStart, end);
    const keep = () => {
      this.pending = [...records, ...this.pending];
      this.bound();
    };
    try {
      const res = await this.client.postJson(this.path, body, this.opts.headers ?? {}, AbortSignal.timeout(this.opts.timeoutMs ?? 10_000));
      // The collector took them once it answered 2xx: a body cut short after that must not send them twice.
      const text = await readText(res.body, 16 * 1024).catch(() => '');
      if (res.status >= 200 && res.status < 300) {
        this.windowStart = end;
        this.statusValue.sentRuns += records.length;
        this.statusValue.lastSentAt = end;
        this.statusValue.lastError = undefined;
        const rejected = partialRejection(text);
        if (rejected) this.opts.logger.warn(`metrics export: the collector rejected part of it: ${rejected}`);
        return;
      }
      const error = `the collector answered HTTP ${res.status}`;
      this.statusValue.lastError = error;
      // What OTLP/HTTP says may succeed later; anything else would fail again.
      const retry = RETRYABLE.has(res.status);
      if (retry) keep();
      else {
        this.statusValue.droppedRuns += records.length;
        this.windowStart = end;
      }
      this.opts.logger.warn(`metrics export to ${this.statusValue.url}: ${error}${retry ? '; will try again at the next export' : '; those runs are dropped'}`);
    } catch (err) {
      keep();
      this.statusValue.lastError = err instanceof Error ? err.message : String(err);
      this.opts.logger.warn(`metrics export to ${this.statusValue.url} failed: ${this.statusValue.lastError}; will try again`);
    }
  }
}

/** The statuses OTLP/HTTP retries. */
const RETRYABLE = new Set([429, 502, 503, 504]);

/** What a 2xx body's partialSuccess says was rejected, if anything. */
function partialRejection(text: string): string | undefined {
  try {
    const p = (JSON.parse(text) as { partialSuccess?: { rejectedDataPoints?: string | number; errorMessage?: string } })?.partialSuccess;
    const n = Number(p?.rejectedDataPoints ?? 0);
    if (n > 0 || p?.errorMessage) return `${n} data points${p?.errorMessage ? ` (${String(p.errorMessage).slice(0, 200)})` : ''}`;
  } catch {
    // an empty or protobuf body: nothing to say
  }
  return undefined;
}
