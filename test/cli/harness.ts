// Running the headless CLI (dist/cli.js) in tests: a scratch HOME and working
// folder, the pinned agent CLIs on PATH, and its JSON event lines collected.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SeqEvent } from '../../src/core/agents/events';

export const ROOT = path.resolve(__dirname, '../../..');
/** The bundled headless CLI (AGENT_RELAY_CLI points elsewhere, e.g. a private build). */
export const CLI = process.env.AGENT_RELAY_CLI ?? path.join(ROOT, 'dist', 'cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  events: SeqEvent[];
}

export interface StartedCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Events parsed so far (live). */
  events: SeqEvent[];
}

/** Installs (once) and returns a pinned agent CLI from .vscode-test/. */
export async function tool(name: 'claude' | 'codex' | 'gemini' | 'opencode'): Promise<{ bin: string; version: string }> {
  const tools = await import(path.join(ROOT, 'scripts', 'ensure-test-tools.mjs'));
  return tools.ensureTool(name);
}

/**
 * Starts `node dist/cli.js …` in `cwd` with `env` layered over the test
 * process's environment. Put each agent's bin directory on PATH via `binDirs`.
 */
export function startCli(args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; binDirs?: string[] }): StartedCli {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  // The response cache's default folder follows HOME: never the developer's own.
  if (!opts.env || !('XDG_CACHE_HOME' in opts.env)) {
    const home = opts.env?.HOME ?? mkdtempSync(path.join(os.tmpdir(), 'relay-cli-home-'));
    env.XDG_CACHE_HOME = path.join(home, '.cache');
  }
  if (opts.binDirs?.length) env.PATH = [...opts.binDirs, process.env.PATH].join(path.delimiter);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const events: SeqEvent[] = [];
  let parsedUpTo = 0;
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
    let nl = stdout.indexOf('\n', parsedUpTo);
    while (nl !== -1) {
      const line = stdout.slice(parsedUpTo, nl);
      if (line.startsWith('{')) events.push(JSON.parse(line));
      parsedUpTo = nl + 1;
      nl = stdout.indexOf('\n', parsedUpTo);
    }
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, events })));
  return { child, done, events };
}

export const texts = (events: SeqEvent[]) => events.flatMap((e) => (e.event.type === 'text' ? [e.event.text] : [])).join('');
/** The agent's own event types, in order (the response cache's events are tested on their own). */
export const types = (events: SeqEvent[]) => events.map((e) => e.event.type).filter((t) => t !== 'cache');

/**
 * The agent process the headless CLI started: a child of `pid`, skipping the
 * `<cli> --version` probe the locator may be running next to it.
 */
export function childOf(pid: number): number {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  const rows = out.trim().split('\n').map((l) => /^\s*(\d+)\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const agent = rows.find((m) => !/\s--version$/.test(m[2]));
  assert.ok(agent, `no child process of ${pid}`);
  return Number(agent[1]);
}
