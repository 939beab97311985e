// A loopback OTLP/HTTP metrics receiver for tests: takes JSON-encoded
// ExportMetricsServiceRequests on /v1/metrics, checks them against the OTLP
// data model as it decodes them (a malformed payload fails the test that
// reads it), and answers with the statuses a test queues.
import { once, EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpPoint {
  metric: string;
  unit: string;
  kind: 'sum' | 'histogram';
  attributes: Record<string, string | boolean>;
  startNs: bigint;
  timeNs: bigint;
  /** A sum's value, a histogram's sum. */
  value: number;
  count?: number;
  min?: number;
  max?: number;
  buckets?: number[];
  bounds?: number[];
}

export interface OtlpRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  resource: Record<string, string | boolean>;
  points: OtlpPoint[];
}

function fail(why: string): never {
  throw new Error(`malformed OTLP payload: ${why}`);
}

function attrs(list: unknown): Record<string, string | boolean> {
  if (!Array.isArray(list)) fail('attributes is not a list');
  const out: Record<string, string | boolean> = {};
  for (const a of list as Array<{ key?: unknown; value?: { stringValue?: unknown; boolValue?: unknown } }>) {
    if (typeof a.key !== 'string') fail('an attribute without a key');
    const v = a.value?.stringValue ?? a.value?.boolValue;
    if (typeof v !== 'string' && typeof v !== 'boolean') fail(`attribute ${a.key} has no string or bool value`);
    out[a.key] = v;
  }
  return out;
}

const u64 = (v: unknown, what: string): bigint => {
  if (typeof v !== 'string' || !/^\d+$/.test(v)) fail(`${what} is not a decimal string`);
  return BigInt(v as string);
};

/** Decodes one request body into data points, checking what a collector would. */
export function decodeOtlp(body: unknown): { resource: Record<string, string | boolean>; points: OtlpPoint[] } {
  const rms = (body as { resourceMetrics?: unknown })?.resourceMetrics;
  if (!Array.isArray(rms) || rms.length !== 1) fail('expected one resourceMetrics');
  const rm = rms[0] as { resource?: { attributes?: unknown }; scopeMetrics?: unknown };
  const resource = attrs(rm.resource?.attributes);
  if (!Array.isArray(rm.scopeMetrics)) fail('scopeMetrics is not a list');
  const points: OtlpPoint[] = [];
  for (const sm of rm.scopeMetrics as Array<{ scope?: { name?: unknown }; metrics?: unknown }>) {
    if (typeof sm.scope?.name !== 'string') fail('a scope without a name');
    for (const m of (sm.metrics as Array<Record<string, any>>) ?? fail('metrics is not a list')) {
      if (typeof m.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/.test(m.name)) fail(`bad metric name ${m.name}`);
      const data = m.sum ?? m.histogram;
      const kind = m.sum ? 'sum' : m.histogram ? 'histogram' : fail(`${m.name} is neither a sum nor a histogram`);
      if (data.aggregationTemporality !== 1 && data.aggregationTemporality !== 2) fail(`${m.name}: no aggregation temporality`);
      for (const p of data.dataPoints ?? fail(`${m.name}: no dataPoints`)) {
        const startNs = u64(p.startTimeUnixNano, 'startTimeUnixNano');
        const timeNs = u64(p.timeUnixNano, 'timeUnixNano');
        if (startNs > timeNs) fail(`${m.name}: starts after it ends`);
        const point: OtlpPoint = { metric: m.name, unit: String(m.unit ?? ''), kind, attributes: attrs(p.attributes), startNs, timeNs, value: 0 };
        if (kind === 'sum') {
          if (typeof p.asDouble !== 'number' && typeof p.asInt !== 'string') fail(`${m.name}: a sum point without a value`);
          point.value = typeof p.asDouble === 'number' ? p.asDouble : Number(p.asInt);
        } else {
          point.count = Number(u64(p.count, 'count'));
          point.value = p.sum;
          point.min = p.min;
          point.max = p.max;
          point.bounds = p.explicitBounds;
          point.buckets = (p.bucketCounts as unknown[]).map((b) => Number(u64(b, 'bucketCounts')));
          if (point.buckets.length !== (point.bounds?.length ?? 0) + 1) fail(`${m.name}: ${point.buckets.length} buckets for ${point.bounds?.length} bounds`);
          if (point.buckets.reduce((a, b) => a + b, 0) !== point.count) fail(`${m.name}: bucket counts do not add up to count`);
        }
        points.push(point);
      }
    }
  }
  return { resource, points };
}

export class OtlpReceiver extends EventEmitter {
  readonly requests: OtlpRequest[] = [];
  /** Statuses to answer with, in order; 200 once they run out. */
  readonly statuses: number[] = [];
  private constructor(private readonly server: http.Server) {
    super();
  }

  static async start(): Promise<OtlpReceiver> {
    let self: OtlpReceiver | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = self!.statuses.shift() ?? 200;
        try {
          if (req.method !== 'POST') fail(`method ${req.method}`);
          if (!/^application\/json/.test(req.headers['content-type'] ?? '')) fail(`content-type ${req.headers['content-type']}`);
          const decoded = decodeOtlp(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          if (status === 200) {
            self!.requests.push({ path: req.url ?? '', headers: req.headers, ...decoded });
            self!.emit('request');
          }
          res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{}' : '{"code":3,"message":"no"}');
        } catch (err) {
          self!.emit('malformed', err);
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: String(err) }));
        }
      });
    });
    self = new OtlpReceiver(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Every data point received so far. */
  points(): OtlpPoint[] {
    return this.requests.flatMap((r) => r.points);
  }

  /** Resolves when `check` holds for what has arrived; rejects on a malformed payload or after `ms`. */
  async until(check: (r: OtlpReceiver) => boolean, ms: number): Promise<void> {
    if (check(this)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`the OTLP receiver did not get what was expected in ${ms} ms (${this.requests.length} requests)`)), ms);
      const onRequest = () => check(this) && done();
      const onMalformed = (err: Error) => done(err);
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.off('request', onRequest);
        this.off('malformed', onMalformed);
        if (err) reject(err);
        else resolve();
      };
      this.on('request', onRequest);
      this.on('malformed', onMalformed);
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
