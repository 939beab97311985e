import type { SearchStep } from './locate/cliLocator';

/** Everything the Doctor report shows, gathered by the host. No secrets: only whether a key is set. */
export interface DoctorInput {
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
  lines.push('', '## PATH of the extension host', '', ...d.pathDirs.map((p) => `- \`${p}\``), '');
  return lines.join('\n');
}
