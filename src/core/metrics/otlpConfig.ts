// What the user gives for the OTLP export (a setting, a flag, an environment
// variable), checked: kept apart from the exporter so that reading settings
// does not load the network code.

/** The OTLP/HTTP metrics URL for what the user set: a base URL gets `/v1/metrics`, a URL with a path is used as it is. */
export function otlpMetricsUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    throw new Error(`The OTLP endpoint "${endpoint.slice(0, 200)}" is not a URL; give one like http://localhost:4318`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`The OTLP endpoint must be an http:// or https:// URL, not ${url.protocol}`);
  if (url.username || url.password) throw new Error('Put credentials for the OTLP endpoint in its headers, not in the URL.');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/metrics';
  return url.toString();
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
const RESERVED = new Set(['content-type', 'content-length', 'host', 'connection', 'transfer-encoding']);

/** Headers for the collector (an API key, say) from a setting or OTEL_EXPORTER_OTLP_HEADERS: only valid names, printable values. */
export function otlpHeaders(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  let entries: Array<[string, unknown]> = [];
  if (typeof value === 'string') {
    // The OpenTelemetry format: comma-separated key=value pairs, values percent-encoded.
    for (const pair of value.split(',')) {
      const i = pair.indexOf('=');
      if (i <= 0) continue;
      let v = pair.slice(i + 1).trim();
      try {
        v = decodeURIComponent(v);
      } catch {
        continue;
      }
      entries.push([pair.slice(0, i).trim(), v]);
    }
  } else if (value && typeof value === 'object' && !Array.isArray(value)) entries = Object.entries(value);
  for (const [k, v] of entries) {
    if (!HEADER_NAME.test(k) || RESERVED.has(k.toLowerCase()) || typeof v !== 'string' || !/^[\t\x20-\x7e\x80-\xff]{0,4096}$/.test(v)) continue;
    out[k] = v;
  }
  return out;
}
