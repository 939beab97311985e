// The demo `npm start -- --demo` opens: the tests' deterministic loopback model
// server (in its demo voice: a read-only tool call, then a short Markdown
// answer), a scratch home for the pinned Claude Code, and a workspace whose
// settings point Claude Code and the OpenAI-compatible API at that server.
// Start-script and sample-workspace configuration only: nothing of this is in
// the extension. scripts/start.mjs bundles this file with esbuild and calls it.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { claudeHome } from './agentHomes';
import { ModelServer } from './modelServer';

export interface DemoOptions {
  /** The repository (for the sample workspace it copies). */
  root: string;
  /** Where the demo keeps its workspace and agent home. */
  stateDir: string;
  /** The pinned Claude Code executable. */
  claudeBin: string;
  /** Fixed port for the model server (default: any free one). */
  port?: number;
}

export interface Demo {
  workspace: string;
  serverUrl: string;
  close(): Promise<void>;
}

/** Settings keys the demo writes into the workspace (and a user removes to use their own agents). */
export const DEMO_SETTINGS = ['agentRelay.claude.path', 'agentRelay.claude.environment', 'agentRelay.openai.baseUrl', 'agentRelay.openai.model'] as const;

export async function startDemo(opts: DemoOptions): Promise<Demo> {
  const server = new ModelServer();
  server.replyOptions = { demo: true };
  server.eventDelayMs = 30; // slow enough to see the answer stream in
  await server.start(opts.port ?? 0);

  const workspace = path.join(opts.stateDir, 'demo-workspace');
  if (!existsSync(workspace)) {
    cpSync(path.join(opts.root, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
    // A Git repository, as most projects are: the response cache can then tell when the code changed.
    try {
      for (const args of [['init', '-q'], ['add', '-A'], ['-c', 'user.name=Agent Relay demo', '-c', 'user.email=demo@localhost', 'commit', '-qm', 'Demo workspace']]) {
        execFileSync('git', args, { cwd: workspace, stdio: 'ignore' });
      }
      // The demo's settings change with every start (the port); they are not the project's code.
      writeFileSync(path.join(workspace, '.git', 'info', 'exclude'), '.vscode/\n');
    } catch {
      // no git: the demo works, only without the cache
    }
  }
  const { env } = claudeHome(path.join(opts.stateDir, 'demo-home', 'claude'), server.url);
  const settingsFile = path.join(workspace, '.vscode', 'settings.json');
  mkdirSync(path.dirname(settingsFile), { recursive: true });
  // Keep whatever else the user set in the demo workspace; the port changes with every start.
  let settings: Record<string, unknown> = {};
  try {
    settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
  } catch {
    // first start, or a file we cannot read: start over
  }
  Object.assign(settings, {
    'agentRelay.claude.path': opts.claudeBin,
    'agentRelay.claude.environment': env,
    'agentRelay.openai.baseUrl': `${server.url}/v1`,
    'agentRelay.openai.model': 'demo',
  });
  writeFileSync(settingsFile, `${JSON.stringify(settings, null, 2)}\n`);
  return { workspace, serverUrl: server.url, close: () => server.close() };
}
