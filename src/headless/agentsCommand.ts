import * as os from 'node:os';
import { locateCli } from '../core/locate/cliLocator';
import { AgentCatalog } from '../core/run/catalog';
import { out } from './output';

/** `agents [--json]`: where each CLI was found, and whether each API has a key. */
export async function agentsCommand(json: boolean): Promise<number> {
  for (const agent of new AgentCatalog().all()) {
    const row: { id: string; displayName: string; kind: string; ready: boolean; path?: string; foundBy?: string; version?: string; detail: string } = { id: agent.id, displayName: agent.displayName, kind: agent.kind, ready: false, detail: '' };
    if (agent.kind === 'cli') {
      const d = await locateCli(agent.spec, { platform: process.platform, env: process.env, home: os.homedir(), settingKey: `--agent-path (or agentRelay.${agent.id}.path in VS Code)` });
      if (d.found) Object.assign(row, { ready: true, path: d.path, foundBy: d.foundBy, version: await d.version() });
      row.detail = d.found ? `${d.path} (${d.foundBy}) ${row.version ?? ''}`.trim() : 'not found';
    } else if (agent.kind === 'http') {
      row.ready = Boolean(process.env[agent.spec.apiKeyEnv]);
      row.detail = `${agent.spec.defaultBaseUrl}, key from ${agent.spec.apiKeyEnv}${row.ready ? ' (set)' : ' (not set)'}`;
    }
    out(json ? `${JSON.stringify(row)}\n` : `${row.id}\t${row.displayName}\t${row.detail}\n`);
  }
  return 0;
}
