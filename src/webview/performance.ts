// The Performance & Usage view: for one agent and one metric, p50/p95/p99 per
// day as an SVG chart (built with DOM calls, never markup from strings), and
// the cost ledger. Everything shown comes from the host's `performance`
// message; agent ids and numbers are set as text or attributes only.
import { assertNever, type HostToWebview, type WebviewToHost } from '../shared/protocol';
import type { DailyRowOf, LedgerRow } from '../core/metrics/rows';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const $ = (id: string) => document.getElementById(id)!;
const agentSelect = $('agent-select') as HTMLSelectElement;
const metricSelect = $('metric-select') as HTMLSelectElement;
const SVG = 'http://www.w3.org/2000/svg';

const LABELS: Record<string, string> = {
  queueWaitMs: 'Queue wait (ms)',
  detectionMs: 'CLI detection (ms)',
  providerCreationMs: 'Provider creation (ms)',
  spawnToFirstByteMs: 'First byte (ms): spawn or request to it',
  firstOutputMs: 'First output (ms)',
  cacheLookupMs: 'Cache lookup (ms)',
  retries: 'Retries',
  eventsPerSec: 'Events per second',
  charsPerSec: 'Text characters per second',
  forwardingP50Ms: 'Forwarding to the panel, p50 (ms)',
  forwardingP95Ms: 'Forwarding to the panel, p95 (ms)',
  forwardingP99Ms: 'Forwarding to the panel, p99 (ms)',
  forwardingEvents: 'Events forwarded to the panel',
};

let daily: Array<DailyRowOf<string>> = [];
let ledger: LedgerRow[] = [];

function option(select: HTMLSelectElement, values: string[], label: (v: string) => string): void {
  const keep = select.value;
  select.replaceChildren(
    ...values.map((v) => {
      const o = document.createElement('option');
      o.value = v;
      o.textContent = label(v);
      return o;
    }),
  );
  if (values.includes(keep)) select.value = keep;
  else if (values.includes('firstOutputMs')) select.value = 'firstOutputMs';
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function drawChart(): void {
  const agent = agentSelect.value;
  const metric = metricSelect.value;
  const rows = daily.filter((r) => r.agentId === agent && r.metric === metric);
  $('chart-title').textContent = rows.length ? `${agent}: ${LABELS[metric] ?? metric}` : 'No measured runs yet';
  const chart = $('chart');
  if (!rows.length) return void chart.replaceChildren();
  const W = 640;
  const H = 220;
  const pad = { left: 56, right: 12, top: 10, bottom: 36 };
  const max = Math.max(1, ...rows.map((r) => r.p99));
  const x = (i: number) => pad.left + (rows.length === 1 ? (W - pad.left - pad.right) / 2 : (i * (W - pad.left - pad.right)) / (rows.length - 1));
  const y = (v: number) => pad.top + (H - pad.top - pad.bottom) * (1 - v / max);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', class: 'chart', 'aria-label': `${agent} ${metric} per day` });
  root.append(svg('line', { x1: pad.left, y1: y(0), x2: W - pad.right, y2: y(0), class: 'axis' }), svg('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: y(0), class: 'axis' }));
  for (const v of [0, max / 2, max]) {
    const t = svg('text', { x: pad.left - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' });
    t.textContent = String(Math.round(v * 10) / 10);
    root.append(t);
  }
  rows.forEach((r, i) => {
    if (rows.length <= 10 || i % Math.ceil(rows.length / 10) === 0) {
      const t = svg('text', { x: x(i), y: H - pad.bottom + 16, class: 'tick', 'text-anchor': 'middle' });
      t.textContent = r.day.slice(5);
      root.append(t);
    }
  });
  for (const p of ['p50', 'p95', 'p99'] as const) {
    const points = rows.map((r, i) => `${x(i).toFixed(1)},${y(r[p]).toFixed(1)}`).join(' ');
    root.append(svg('polyline', { points, class: `line ${p}`, 'data-series': p }));
    rows.forEach((r, i) => {
      const dot = svg('circle', { cx: x(i), cy: y(r[p]), r: 3, class: `dot ${p}` });
      const title = svg('title', {});
      title.textContent = `${r.day} ${p} ${r[p]} (${r.runs} runs)`;
      dot.append(title);
      root.append(dot);
    });
  }
  chart.replaceChildren(root);
}

function drawLedger(): void {
  const money = (n: number) => `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;
  const cell = (text: string) => {
    const td = document.createElement('td');
    td.textContent = text;
    return td;
  };
  $('ledger').querySelector('tbody')!.replaceChildren(
    ...ledger.map((r) => {
      const tr = document.createElement('tr');
      tr.append(
        cell(r.day),
        cell(r.agentName),
        cell(String(r.runs)),
        cell(`${r.inputTokens} / ${r.outputTokens}`),
        cell(money(r.costUsd)),
        cell(r.runsWithoutCost ? String(r.runsWithoutCost) : ''),
        cell(r.cacheHits ? `${r.cacheHits} (${r.savedTokens} tokens, ${money(r.savedCostUsd)})` : ''),
      );
      return tr;
    }),
  );
}

window.addEventListener('message', (msg: MessageEvent<HostToWebview>) => {
  const data = msg.data;
  switch (data.type) {
    case 'performance':
      daily = Array.isArray(data.daily) ? data.daily : [];
      ledger = Array.isArray(data.ledger) ? data.ledger : [];
      $('runs-count').textContent = `${data.runs} runs`;
      option(agentSelect, [...new Set(daily.map((r) => r.agentId))].sort(), (v) => v);
      option(metricSelect, [...new Set(daily.filter((r) => r.agentId === agentSelect.value).map((r) => r.metric))], (v) => LABELS[v] ?? v);
      drawChart();
      drawLedger();
      return;
    case 'attach':
    case 'state':
    case 'events':
    case 'replyRefused':
    case 'group':
    case 'runUnavailable':
      return;
    default:
      assertNever(data);
  }
});

agentSelect.addEventListener('change', () => {
  option(metricSelect, [...new Set(daily.filter((r) => r.agentId === agentSelect.value).map((r) => r.metric))], (v) => LABELS[v] ?? v);
  drawChart();
});
metricSelect.addEventListener('change', drawChart);
$('export').addEventListener('click', () => vscode.postMessage({ type: 'exportUsage' }));

vscode.postMessage({ type: 'ready', runId: 'performance', afterSeq: 0 });
