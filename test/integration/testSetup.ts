// What both integration runners (code-server and desktop VS Code) prepare
// before starting VS Code: the pinned tools and a sample workspace.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');

export interface Tool {
  bin: string;
  version: string;
}

/** Installs (once) the pinned agent CLIs; returns claude (whose version tests assert) and every CLI's bin folder. */
export async function agentTools(): Promise<{ ensureTool(name: string): Tool; claude: Tool; agentBins: string[] }> {
  const tools = (await import(path.join(ROOT, 'scripts', 'ensure-test-tools.mjs'))) as { ensureTool(name: string): Tool };
  const agentBins = ['claude', 'codex', 'gemini', 'opencode'].map((name) => path.dirname(tools.ensureTool(name).bin));
  return { ensureTool: tools.ensureTool, claude: tools.ensureTool('claude'), agentBins };
}

/** A fresh temporary folder holding a copy of the sample workspace as a Git repository (as most projects are; Codex refuses to work outside one). */
export function sampleWorkspace(prefix: string): { tmp: string; workspace: string } {
  const tmp = mkdtempSync(path.join(os.tmpdir(), prefix));
  const workspace = path.join(tmp, 'workspace');
  cpSync(path.join(ROOT, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  for (const args of [['init', '-q'], ['add', '-A'], ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-qm', 'sample']]) {
    execFileSync('git', args, { cwd: workspace });
  }
  return { tmp, workspace };
}
