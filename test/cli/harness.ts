// Running the headless CLI (dist/cli.js) in tests: a scratch HOME and working
// folder, the pinned agent CLIs on PATH, and its JSON event lines collected.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SeqEvent } from '../../src/core/agents/events';
import { watchTree, type TreeWatch } from '../support/processes';

export const ROOT = path.resolve(__dirname, '../../..');
/** The bundled headless CLI (AGENT_RELAY_CLI points elsewhere, e.g. a private build). */
export const CLI = process.env.AGENT_RELAY_CLI ?? path.join(ROOT, 'dist', 'cli.js');

/**
 * Upper bounds for waits, not expectations. A real agent CLI starting cold
 * reaches a given point of its run (spawned, first text, a tool running) in
 * about 1-6 s here on an idle 2-core machine, and in up to about 30 s with
 * both cores busy; killed processes are gone in well under a second.
 */
export const AGENT_MS = 120_000;
export const GONE_MS = 30_000;
/** Mocha's limit for a test that waits on a real agent (room for a few AGENT_MS waits). */
export const AGENT_TEST_MS = 400_000;

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

export interface AgentWatch {
  /** The agent's pid once the CLI has logged starting it; undefined if it never did. */
  readonly pid: number | undefined;
  /** Every process seen in the agent's tree so far. */
  seen(): number[];
  /** What of the agent's tree still runs (see watchTree). Empty if the agent never started. */
  running(): number[];
  /** Kills whatever of it still runs, so a failing test leaks nothing. */
  killLeftovers(): void;
}

/**
 * Follows the agent process of a run started with `--verbose`: the CLI logs
 * "started pid N" the moment it spawns the agent, so the agent is found by
 * that event, not by any output of its own (it need not have produced any).
 * Its tree is watched until the CLI exits.
 */
export function watchAgent(s: StartedCli): AgentWatch {
  let pid: number | undefined;
  let tree: TreeWatch | undefined;
  let buffered = '';
  const onData = (c: Buffer) => {
    buffered += c.toString();
    const m = /\bstarted pid (\d+)\n/.exec(buffered);
    if (m && pid === undefined) {
      pid = Number(m[1]);
      tree = watchTree(pid);
      s.child.stderr!.off('data', onData);
    }
  };
  s.child.stderr!.on('data', onData);
  void s.done.then(() => tree?.stop());
  return {
    get pid() {
      return pid;
    },
    seen: () => [...(tree?.seen.keys() ?? [])],
    running: () => tree?.running() ?? [],
    killLeftovers: () => {
      for (const p of tree?.running() ?? []) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

