import type { SearchStep } from './locate/cliLocator';
import type { WindowHealth } from './metrics/windowHealth';

/** Everything the Doctor report shows, gathered by the host. No secrets: only whether a key is set. */
/** How the extension is doing: our activation, the host's memory, and what recent runs measured and where they failed. */
export interface DoctorHealth {
  activationMs?: number;
  /** The whole extension host's (every extension shares it). */
  hostRssMB: number;
  hostHeapUsedMB: number;
  /** Of the workspace's recent runs. */
  recentRuns: number;
  detection: Array<{ agentId: string; coldP50Ms?: number; cachedP50Ms?: number; runs: number }>;
  cache?: { entries: number; bytes: number; hits: number; misses: number };
  failures: Array<{ cause: string; count: number; agents: string[] }>;
  /** This workspace's windows over the last days: activation and host memory. */
  windows?: WindowHealth;
  /** Where run metrics go over OTLP, and how that went; absent when the export is off. */
  metricsExport?: { url: string; sentRuns: number; droppedRuns: number; lastSentAt?: number; lastError?: string };
}

export interface DoctorInput {
  health?: DoctorHealth;
  generatedAt: string;
  extensionVersion: string;
  vscodeVersion: string;
  appHost: string;
  remoteName?: string;
  platform: string;
  nodeVersion: string;
  trusted: boolean;
  folders: string[];
  storage: { global: string; workspace?: string };
  pathDirs: string[];
  cliAgents: Array<{
    id: string;
    name: string;
    found: boolean;
    path?: string;
    foundBy?: string;
    version?: string;
    message?: string;
    permissionMode: string;
    model?: string;
    trail: SearchStep[];
  }>;
  httpAgents: Array<{ id: string; name: string; baseUrl: string; model: string; apiKeySet: boolean; apiKeyRequired: boolean }>;
  externalAgents: Array<{ id: string; name: string; owner?: string }>;
  httpProvidersLoaded: boolean;
}

const cell = (s: string | undefined) => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Inline code that a backtick in the text cannot end (a URL from a setting is never a live link). */
const code = (s: string) => `\`${cell(s).replace(/`/g, "'")}\``;

/** The Doctor report as Markdown: what a person (or a bug report) needs to see why an agent does not run. */
export function renderDoctorReport(d: DoctorInput): string {
  const lines: string[] = [
    '# Agent Relay Doctor',
    '',
    `Generated ${d.generatedAt}.`,
    '',
    '## Environment',
    '',
    '| | |',
    '|---|---|',
    `| Agent Relay | ${cell(d.extensionVersion)} |`,
    `| VS Code | ${cell(d.vscodeVersion)} (${cell(d.appHost)}${d.remoteName ? `, remote: ${cell(d.remoteName)}` : ''}) |`,
    `| Platform | ${cell(d.platform)}, Node ${cell(d.nodeVersion)} |`,
    `| Workspace trusted | ${d.trusted ? 'yes' : 'no: agents do not run, and path/environment settings are ignored'} |`,
    `| Workspace folders | ${d.folders.length ? d.folders.map(cell).join('<br>') : 'none: open a folder to run agents'} |`,
    `| Global storage | ${cell(d.storage.global)} |`,
    ...(d.storage.workspace ? [`| Workspace storage | ${cell(d.storage.workspace)} |`] : []),
    `| HTTP providers loaded | ${d.httpProvidersLoaded ? 'yes' : 'no (loaded on first use)'} |`,
    '',
    '## Agent CLIs',
    '',
  ];
  for (const a of d.cliAgents) {
    lines.push(`### ${a.name} (\`${a.id}\`)`, '');
    if (a.found) {
      lines.push(`- **Found** at \`${a.path}\` (by ${a.foundBy})`, `- Version: ${a.version ?? 'unknown (`--version` failed)'}`);
    } else {
      lines.push(`- **Not found.** ${a.message ?? ''}`);
    }
    lines.push(`- Permission mode: \`${a.permissionMode}\``, `- Model: ${a.model ? `\`${a.model}\`` : "the CLI's default"}`);
    if (a.trail.length) {
      lines.push('', '| searched | path | result |', '|---|---|---|', ...a.trail.map((s) => `| ${s.source} | \`${cell(s.path)}\` | ${s.result} |`));
    }
    lines.push('');
  }
  lines.push('## Model APIs', '', '| API | base URL | model | API key |', '|---|---|---|---|');
  for (const h of d.httpAgents) {
    lines.push(`| ${h.name} | ${cell(h.baseUrl)} | \`${cell(h.model)}\` | ${h.apiKeySet ? 'set (in secret storage)' : h.apiKeyRequired ? '**not set**: run "Agent Relay: Set API Key…"' : 'not set (optional)'} |`);
  }
  if (d.externalAgents.length) {
    lines.push('', '## Providers from other extensions', '', ...d.externalAgents.map((e) => `- ${e.name} (\`${e.id}\`)${e.owner ? ` from ${e.owner}` : ''}`));
  }
  if (d.health) lines.push('', ...healthSection(d.health));
  lines.push('', '## PATH of the extension host', '', ...d.pathDirs.map((p) => `- \`${p}\``), '');
  return lines.join('\n');
}

function metricsExportCell(m: DoctorHealth['metricsExport']): string {
  if (!m) return 'off (agentRelay.metrics.otlpEndpoint is empty)';
  const parts = [`to ${code(m.url)}: ${m.sentRuns} runs sent`];
  if (m.lastSentAt !== undefined) parts.push(`last at ${new Date(m.lastSentAt).toISOString()}`);
  if (m.droppedRuns) parts.push(`${m.droppedRuns} dropped`);
  if (m.lastError) parts.push(`last error: ${cell(m.lastError)}`);
  return parts.join('; ');
}

function healthSection(h: DoctorHealth): string[] {
  const mb = (n: number) => `${Math.round(n)} MB`;
  const out = [
    '## Health',
    '',
    '| | |',
    '|---|---|',
    `| Our activation | ${h.activationMs !== undefined ? `${h.activationMs} ms (loading the bundle to \`activate()\` returning)` : 'not measured (unbundled build)'} |`,
    `| Extension host memory | ${mb(h.hostRssMB)} resident, ${mb(h.hostHeapUsedMB)} JS heap (the whole host's: every extension shares it) |`,
    ...(h.windows?.samples
      ? [
          `| Over the last ${h.windows.days} days | ${h.windows.windows} window(s): activation p50 ${h.windows.activationP50Ms ?? '?'} ms, p95 ${h.windows.activationP95Ms ?? '?'} ms; host memory p50 ${h.windows.hostRssP50MB} MB, highest ${h.windows.hostRssMaxMB} MB |`,
        ]
      : []),
    `| Metrics export (OTLP) | ${metricsExportCell(h.metricsExport)} |`,
    ...(h.cache ? [`| Response cache | ${h.cache.entries} entries, ${mb(h.cache.bytes / 1024 / 1024)}; ${h.cache.hits} hits, ${h.cache.misses} misses this window |`] : []),
    '',
  ];
  if (h.detection.length) {
    out.push(`Detection in the last ${h.recentRuns} runs (p50):`, '', '| agent | cold | cached | runs |', '|---|---:|---:|---:|');
    for (const x of h.detection) out.push(`| ${cell(x.agentId)} | ${x.coldP50Ms !== undefined ? `${x.coldP50Ms} ms` : ''} | ${x.cachedP50Ms !== undefined ? `${x.cachedP50Ms} ms` : ''} | ${x.runs} |`);
    out.push('');
  }
  if (h.failures.length) {
    out.push(`Recent failures by cause (last ${h.recentRuns} runs):`, '', '| cause | runs | agents |', '|---|---:|---|');
    for (const f of h.failures) out.push(`| ${cell(f.cause)} | ${f.count} | ${f.agents.map(cell).join(', ')} |`);
  } else out.push(`No failures in the last ${h.recentRuns} runs.`);
  return out;
}
