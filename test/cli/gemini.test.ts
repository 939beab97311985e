// The headless CLI (dist/cli.js) against the real Gemini CLI and the loopback
// model server (Gemini API wire format): Agent Relay's Gemini support end to end.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentEvent } from '../../src/core/agents/events';
import { descendantsOf, isAlive } from '../../src/core/process/processTree';
import { ModelServer, type RecordedRequest } from '../support/modelServer';
import { processesInGroup, waitFor } from '../support/processes';
import { AGENT_MS, AGENT_TEST_MS, GONE_MS, startCli, texts, tool, types, watchAgent, type CliResult } from './harness';

/** Only the Gemini API, only once per request, nothing phoning home. */
const SETTINGS = {
  security: { auth: { selectedType: 'gemini-api-key' } },
  general: { maxAttempts: 1, retryFetchErrors: false, enableAutoUpdate: false, enableAutoUpdateNotification: false },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  ide: { enabled: false },
};

/** A user policy (the non-deprecated way) that lets the shell run exactly these commands. */
const allowCommands = (...prefixes: string[]) =>
  `[[rule]]\ntoolName = "run_shell_command"\ncommandPrefix = ${JSON.stringify(prefixes)}\ndecision = "allow"\npriority = 100\n`;

const event = <T extends AgentEvent['type']>(r: { events: CliResult['events'] }, type: T) =>
  r.events.map((e) => e.event).find((e): e is Extract<AgentEvent, { type: T }> => e.type === type);
const outcomeOf = (r: CliResult) => {
  const done = r.events.at(-1)?.event;
  assert.ok(done?.type === 'done', `no done event: ${r.stderr}`);
  return done.outcome;
};
/** Names of the functions Gemini CLI offered the model in a request. */
const offeredTools = (r: RecordedRequest): string[] =>
  (r.body?.tools ?? []).flatMap((t: any) => (t.functionDeclarations ?? []).map((f: any) => String(f.name)));

describe('headless CLI with the real gemini', function () {
  this.timeout(AGENT_TEST_MS);
  let server: ModelServer;
  let geminiBin: string;
  let scratch: string;
  let home: string;
  let work: string;

  before(async () => {
    geminiBin = (await tool('gemini')).bin;
    server = await new ModelServer().start();
  });
  after(async () => server?.close());
  beforeEach(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'relay-gemini-'));
    home = path.join(scratch, 'home');
    work = path.join(scratch, 'work');
    mkdirSync(path.join(home, '.gemini', 'policies'), { recursive: true });
    mkdirSync(work);
    mkdirSync(path.join(scratch, 'tmp'));
    writeFileSync(path.join(home, '.gemini', 'settings.json'), JSON.stringify(SETTINGS));
    server.requests.length = 0;
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  const policy = (toml: string) => writeFileSync(path.join(home, '.gemini', 'policies', 'test.toml'), toml);

  /**
   * `node cli.js …` with gemini on PATH, pointed at the model server, in a
   * scratch HOME and working folder. The folder is not trusted in Gemini CLI's
   * own trust store, so every run here also checks that Agent Relay trusts it.
   */
  function start(args: string[]) {
    return startCli(args, {
      cwd: work,
      binDirs: [path.dirname(geminiBin)],
      env: {
        HOME: home,
        USERPROFILE: home,
        TMPDIR: path.join(scratch, 'tmp'), // Gemini CLI writes error reports there
        GOOGLE_GEMINI_BASE_URL: server.url,
        GEMINI_API_KEY: 'AIza-loopback-test',
        // Whatever the developer's own environment says about Gemini must not leak in.
        GEMINI_CLI_HOME: undefined,
        GEMINI_CLI_TRUST_WORKSPACE: undefined,
        GEMINI_MODEL: undefined,
        GOOGLE_API_KEY: undefined,
        GOOGLE_GENAI_USE_VERTEXAI: undefined,
        GOOGLE_GENAI_USE_GCA: undefined,
        GOOGLE_CLOUD_PROJECT: undefined,
        GOOGLE_APPLICATION_CREDENTIALS: undefined,
      },
    });
  }
  const run = (args: string[]) => start(args).done;
  const streamed = () => server.messageRequests('gemini');

  it('streams: the answer before a gate is printed while the model holds the rest', async () => {
    // Deltas that arrive together may be one event: the count of text events is not the test.
    const gate = server.gate('gemini-stream');
    const live = start(['run', '--agent', 'gemini', '--json', 'Say hello GATE:gemini-stream']);
    assert.ok(await waitFor(() => texts(live.events) === 'Alpha Beta Gamma ', AGENT_MS), `before the gate: ${texts(live.events)}`);
    gate.release();
    const r = await live.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(texts(r.events), 'Alpha Beta Gamma Delta: released.');
  });

  it('streams normalised events as JSON lines and exits 0', async () => {
    const r = await run(['run', '--agent', 'gemini', '--json', 'Say hello']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(types(r.events)[0], 'started');
    assert.equal(types(r.events).at(-1), 'done');
    assert.equal(texts(r.events), 'Hello from the loopback model.');
    r.events.forEach((e, i) => assert.equal(e.seq, i + 1));
    const started = event(r, 'started');
    assert.equal(started?.model, 'auto');
    assert.match(started?.sessionId ?? '', /^[0-9a-f-]{36}$/);
    assert.ok((event(r, 'usage')?.outputTokens ?? 0) > 0);
    assert.equal(outcomeOf(r).result, 'Hello from the loopback model.');
    // The prompt reached the model through stdin, and nothing but the Gemini API was called.
    assert.equal(streamed().length, 1);
    assert.ok(JSON.stringify(streamed()[0].body.contents).includes('Say hello'));
    assert.deepEqual(server.requests.filter((q) => q.wire !== 'gemini').map((q) => q.path), []);
    assert.equal(streamed()[0].headers['x-goog-api-key'], 'AIza-loopback-test');
  });

  it('prints the answer as plain text without --json', async () => {
    const r = await run(['run', '--agent', 'gemini', 'Say hello']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'Hello from the loopback model.');
    assert.match(r.stderr, /✓ done/);
  });

  it('runs a shell command a policy allows, and its real output reaches the model', async () => {
    policy(allowCommands('echo'));
    // The shell collapses the spaces: proof that a real shell ran it.
    const r = await run(['run', '--agent', 'gemini', '--json', '--permission-mode', 'default', 'RUN_TOOL: run echo split   words']);
    assert.equal(r.code, 0, r.stderr);
    const use = event(r, 'tool-use');
    assert.equal(use?.name, 'run_shell_command');
    assert.deepEqual(use?.input, { command: 'echo split   words', description: 'Print a word' });
    const result = event(r, 'tool-result');
    assert.deepEqual(result && { id: result.toolUseId, output: result.output, isError: result.isError }, { id: use?.id, output: 'split words', isError: false });
    // The second turn carried the command's output back to the model …
    const turns = streamed();
    assert.equal(turns.length, 2);
    const response = turns[1].body.contents.at(-1).parts.find((p: any) => p.functionResponse)?.functionResponse;
    assert.equal(response?.name, 'run_shell_command');
    assert.match(response?.response?.output ?? '', /Output: split words\n/);
    // … and the answer built on it is the run's result.
    assert.equal(outcomeOf(r).result, 'The command printed: split words');
  });

  it('--allowed-tools opens exactly the tool it names', async () => {
    const r = await run(['run', '--agent', 'gemini', '--json', '--permission-mode', 'default', '--allowed-tools', 'run_shell_command(echo)', 'RUN_TOOL: run echo via-flag']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(event(r, 'tool-result')?.output, 'via-flag');
    const offered = offeredTools(streamed()[0]);
    assert.ok(offered.includes('run_shell_command'));
    assert.deepEqual(offered.filter((t) => ['write_file', 'replace', 'enter_plan_mode'].includes(t)), [], 'no edit tools, no way into Plan Mode (and out to YOLO)');
  });

  it('the default mode is read-only: no shell, no way out of Plan Mode, allowed tools ignored', async () => {
    const r = await run(['run', '--agent', 'gemini', '--json', '--allowed-tools', 'run_shell_command(echo)', 'RUN_TOOL: run echo leaked > marker.txt']);
    assert.equal(r.code, 0, r.stderr);
    const offered = offeredTools(streamed()[0]);
    assert.ok(offered.includes('read_file'), offered.join());
    // Headless, exit_plan_mode would switch the session to YOLO: Agent Relay's guard policy removes it.
    assert.deepEqual(offered.filter((t) => ['run_shell_command', 'exit_plan_mode', 'enter_plan_mode'].includes(t)), []);
    assert.equal(event(r, 'tool-result')?.isError, true);
    assert.equal(existsSync(path.join(work, 'marker.txt')), false);
  });

  it('an API error fails the run with the HTTP status and what to do', async () => {
    const r = await run(['run', '--agent', 'gemini', '--json', 'API_ERROR:401']);
    assert.equal(r.code, 1);
    const outcome = outcomeOf(r);
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.exitCode, 401 % 256, 'Gemini CLI exits with the HTTP status mod 256');
    assert.match(outcome.message!, /^Gemini API error \(HTTP 401 UNAUTHENTICATED\): Mock error \(HTTP 401\)\. .*GEMINI_API_KEY/);
  });

  it('passes the model on and retries no more than the settings allow', async () => {
    // Ours are off: this is about Gemini CLI's own retry setting.
    const r = await run(['run', '--agent', 'gemini', '--retries', '0', '--model', 'gemini-2.5-flash', 'API_ERROR:500']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed: Gemini API error \(HTTP 500 INTERNAL\).*server error/);
    assert.deepEqual(
      server.requests.map((q) => q.path),
      ['/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'],
    );
  });

  it('an agent stopped by someone else mid-answer fails the run and keeps the partial answer', async () => {
    const s = start(['run', '--agent', 'gemini', '--json', 'HANG']);
    assert.ok(await waitFor(() => s.events.some((e) => e.event.type === 'text'), AGENT_MS), 'no text before the stop');
    // SIGTERM makes Gemini CLI exit 0 with no result: not a success.
    process.kill(await agentPid(s.child.pid!), 'SIGTERM');
    const r = await s.done;
    assert.equal(r.code, 1);
    const outcome = outcomeOf(r);
    assert.deepEqual([outcome.status, outcome.exitCode], ['failed', 0]);
    assert.match(outcome.message!, /stopped without a result \(exit code 0\)/);
    assert.equal(texts(r.events), 'Working on it');
  });

  it('a connection cut mid-answer fails the run and keeps the partial answer', async () => {
    const r = await run(['run', '--agent', 'gemini', '--json', 'CUT_STREAM']);
    assert.equal(r.code, 1);
    const outcome = outcomeOf(r);
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /connection to the model API was cut off/);
    assert.equal(texts(r.events), 'This answer will be cut');
    assert.equal(streamed().length, 1, 'no retry beyond general.maxAttempts');
  });

  it('Ctrl-C cancels cleanly (exit 130) and leaves no process behind, the running command included', async () => {
    policy(allowCommands('echo', 'sleep'));
    const s = start(['run', '--agent', 'gemini', '--json', '--permission-mode', 'default', 'RUN_TOOL: run echo started; sleep 317']);
    const geminiPid = await agentPid(s.child.pid!);
    // Gemini CLI runs each command in a process group of its own, under the agent.
    let tree: number[] = [];
    const sleeping = () => (tree = descendantsOf(geminiPid)).some((p) => cmdline(p).startsWith('sleep'));
    assert.ok(await waitFor(sleeping, AGENT_MS), 'the command never started');
    const commandGroups = [...new Set(tree.map(pgidOf))];
    // The hard case: a group signal to the agent does not reach them.
    assert.ok(!commandGroups.includes(geminiPid), 'commands are in their own process group');
    try {
      s.child.kill('SIGINT');
      const r = await s.done;
      assert.equal(r.code, 130, r.stderr);
      assert.equal(outcomeOf(r).status, 'cancelled');
      const gone = () => ![geminiPid, ...tree].some(isAlive) && [geminiPid, ...commandGroups].every((g) => processesInGroup(g).length === 0);
      assert.ok(await waitFor(gone, GONE_MS), `left behind: ${[geminiPid, ...tree].filter(isAlive).join(', ')}`);
    } finally {
      // A failure must not leak them.
      for (const pid of [geminiPid, ...tree].filter(isAlive)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });

  it('stops at the timeout (exit 124) and leaves no process behind', async () => {
    // The deadline may find Gemini CLI not yet started, starting, or waiting on the
    // model (which never answers HANG): every case must end the same way.
    const s = start(['run', '--agent', 'gemini', '--json', '--verbose', '--timeout', '3', 'HANG']);
    const agent = watchAgent(s);
    try {
      const r = await s.done;
      assert.equal(r.code, 124, r.stderr);
      assert.equal(outcomeOf(r).status, 'timed-out');
      assert.ok(await waitFor(() => agent.running().length === 0, GONE_MS), `left behind (agent ${agent.pid}): ${agent.running().join(', ')}`);
    } finally {
      agent.killLeftovers();
    }
  });

  it('a missing CLI is a clear error, not a stack trace', async () => {
    const r = await run(['run', '--agent', 'gemini', '--agent-path', '/nonexistent/gemini', 'hi']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Gemini CLI was not found at "\/nonexistent\/gemini"/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

/** The agent the headless CLI started (not the `gemini --version` it runs alongside). */
async function agentPid(cliPid: number): Promise<number> {
  let pid: number | undefined;
  const found = () => (pid = descendantsOf(cliPid).find((p) => cmdline(p).includes('stream-json'))) !== undefined;
  assert.ok(await waitFor(found, AGENT_MS), 'gemini never started');
  return pid!;
}

/** A process's command line, or '' once it is gone (`ps`, so macOS too). */
function cmdline(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function pgidOf(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).trim());
}
