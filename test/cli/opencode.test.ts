// The headless CLI (dist/cli.js) against the real OpenCode CLI and the
// loopback model server (OpenCode's anthropic provider speaks Anthropic
// Messages SSE to it): real event stream, real tool runs, real exit codes.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentEvent } from '../../src/core/agents/events';
import { isAlive } from '../../src/core/process/processTree';
import { ModelServer, type RecordedRequest } from '../support/modelServer';
import { processesInGroup, processesWithMarker, waitFor } from '../support/processes';
import { AGENT_MS, AGENT_TEST_MS, childOf, GONE_MS, startCli, texts, tool, types, watchAgent, type CliResult } from './harness';

const MODEL = 'anthropic/claude-sonnet-4-5';

describe('headless CLI with the real opencode', function () {
  this.timeout(AGENT_TEST_MS);
  let server: ModelServer;
  let opencodeBin: string;
  let scratch: string;
  let home: string;
  let work: string;
  /** Processes a test may leave behind on purpose (a crashed agent's shell commands). */
  const markers: string[] = [];

  before(async () => {
    opencodeBin = (await tool('opencode')).bin;
    server = await new ModelServer().start();
  });
  after(async () => server?.close());
  beforeEach(() => {
    scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'relay-opencode-')));
    home = path.join(scratch, 'home');
    work = path.join(scratch, 'work');
    mkdirSync(home);
    mkdirSync(work);
  });
  afterEach(() => {
    for (const m of markers.splice(0)) for (const pid of processesWithMarker(m)) process.kill(pid, 'SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  });

  /** `node dist/cli.js run --agent opencode --model …` in the scratch folder, everything OpenCode keeps inside the scratch HOME. */
  function start(args: string[], opts: { workspaceConfig?: object | string; userConfig?: object } = {}) {
    if (opts.workspaceConfig) writeFileSync(path.join(work, 'opencode.json'), typeof opts.workspaceConfig === 'string' ? opts.workspaceConfig : JSON.stringify(opts.workspaceConfig));
    if (opts.userConfig) {
      mkdirSync(path.join(home, '.config', 'opencode'), { recursive: true });
      writeFileSync(path.join(home, '.config', 'opencode', 'opencode.json'), JSON.stringify(opts.userConfig));
    }
    return startCli(['run', '--agent', 'opencode', '--model', MODEL, ...args], {
      cwd: work,
      binDirs: [path.dirname(opencodeBin)],
      env: {
        HOME: home,
        XDG_CONFIG_HOME: path.join(home, '.config'),
        XDG_DATA_HOME: path.join(home, '.local', 'share'),
        XDG_CACHE_HOME: path.join(home, '.cache'),
        XDG_STATE_HOME: path.join(home, '.local', 'state'),
        OPENCODE_CONFIG_CONTENT: JSON.stringify({ provider: { anthropic: { options: { baseURL: `${server.url}/v1`, apiKey: 'sk-ant-loopback-test' } } } }),
        OPENCODE_DISABLE_MODELS_FETCH: '1',
        OPENCODE_DISABLE_SHARE: '1',
        OPENCODE_DISABLE_AUTOUPDATE: '1',
        // OpenCode npm-installs its plugin package into its config folder in the background; offline, that fails at once.
        npm_config_offline: 'true',
        OPENCODE_CONFIG: undefined,
        OPENCODE_CONFIG_DIR: undefined,
        OPENCODE_PERMISSION: undefined,
      },
    });
  }
  const run = (args: string[], opts?: Parameters<typeof start>[1]) => start(args, opts).done;

  const event = <T extends AgentEvent['type']>(r: { events: CliResult['events'] }, type: T) =>
    r.events.map((e) => e.event).find((e): e is Extract<AgentEvent, { type: T }> => e.type === type);
  const outcome = (r: CliResult) => {
    const done = r.events.at(-1)!.event;
    assert.equal(done.type, 'done');
    return done.type === 'done' ? done.outcome : undefined!;
  };
  /** The conversation turns OpenCode sent for the prompt containing `marker`. */
  const turns = (marker: string): RecordedRequest[] => server.messageRequests('anthropic').filter((q) => JSON.stringify(q.body?.messages).includes(marker));
  const toolNames = (q: RecordedRequest): string[] => (q.body?.tools ?? []).map((t: { name: string }) => t.name);
  const unique = () => String(Date.now() % 1_000_000) + String(Math.floor(Math.random() * 1000)).padStart(3, '0');
  const groupOf = (pid: number) => Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).trim());

  it('runs a tool the workspace config allows, in the working folder, and its real output reaches the model', async () => {
    const marker = `from-opencode-${unique()}`;
    const r = await run(['--json', '--permission-mode', 'build', `RUN_TOOL: run echo ${marker}; pwd`], {
      // Exactly what the test needs: nothing but these two commands.
      workspaceConfig: { permission: { '*': 'deny', bash: { '*': 'deny', 'echo *': 'allow', pwd: 'allow' } } },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(types(r.events)[0], 'started');
    assert.match(event(r, 'started')?.sessionId ?? '', /^ses_/);
    const use = event(r, 'tool-use');
    assert.ok(use && use.name === 'bash');
    assert.deepEqual((use.input as { command: string }).command, `echo ${marker}; pwd`);
    const result = event(r, 'tool-result');
    // `pwd` proves OpenCode worked where we started it, not in the test runner's inherited $PWD.
    assert.deepEqual(result, { type: 'tool-result', toolUseId: use.id, output: `${marker}\n${work}`, isError: false });
    assert.equal(texts(r.events), `I'll run the command.The command printed: ${marker}\n${work}`);
    assert.deepEqual(outcome(r).status, 'succeeded');
    assert.equal(outcome(r).result, `The command printed: ${marker}\n${work}`);
    assert.equal(event(r, 'usage')?.turns, 2);
    r.events.forEach((e, i) => assert.equal(e.seq, i + 1));

    const sent = turns(marker);
    assert.equal(sent.length, 2, 'two model turns and no separate title request');
    const last = sent[1].body.messages.at(-1);
    const toolResult = last.content.find((c: { type: string }) => c.type === 'tool_result');
    assert.equal(toolResult.tool_use_id, use.id);
    assert.ok(JSON.stringify(toolResult.content).includes(JSON.stringify(`${marker}\n${work}`).slice(1, -1)), 'the output did not reach the model');
  });

  it("plan mode (the default) answers read-only, even when the user's OpenCode config allows everything", async () => {
    const marker = `leaked-${unique()}.txt`;
    const r = await run(['--json', `RUN_TOOL: run echo planned > ${marker}`], {
      userConfig: { permission: { '*': 'allow', bash: 'allow', edit: 'allow' } },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(outcome(r).status, 'succeeded');
    const [first] = turns(marker);
    assert.ok(first, 'OpenCode asked the model');
    const offered = toolNames(first);
    assert.ok(offered.includes('read') && offered.includes('grep'), `offered: ${offered}`);
    for (const t of ['bash', 'edit', 'write', 'task', 'webfetch']) assert.ok(!offered.includes(t), `${t} was offered: ${offered}`);
    const result = event(r, 'tool-result');
    assert.ok(result?.isError, 'the shell call was refused');
    assert.ok(!existsSync(path.join(work, marker)), 'the command ran');
  });

  it('a permission the config asks about is refused headless: exit 1, saying what and how to allow it', async () => {
    const r = await run(['--permission-mode', 'build', 'RUN_TOOL: run echo asked'], { workspaceConfig: { permission: { bash: 'ask' } } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /· permission requested: bash \(echo asked\); auto-rejecting/);
    assert.match(r.stderr, /✗ failed: OpenCode stopped before finishing its answer\. bash: The user rejected permission/);
    assert.match(r.stderr, /allow the tool in OpenCode's "permission" config/);
  });

  it('exits 1 with the API error on a failed run', async () => {
    const r = await run(['API_ERROR:401']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /✗ failed: Mock authentication_error \(HTTP 401\)/);
  });

  it('a fatal error OpenCode only prints to stderr is a readable message', async () => {
    const r = await run(['--json', 'Say hello'], { workspaceConfig: '{ "permission": ' });
    assert.equal(r.code, 1);
    const message = outcome(r).message ?? '';
    assert.match(message, /^OpenCode could not run \(exit code 1\): Config file at .*opencode\.json is not valid JSON/);
    assert.doesNotMatch(message, /\u001b/);
  });

  it('a missing CLI is a clear error, not a stack trace', async () => {
    const r = await run(['--agent-path', '/nonexistent/opencode', 'hi']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /OpenCode was not found at "\/nonexistent\/opencode"/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('an agent killed mid-answer fails the run and keeps the partial answer', async () => {
    const seconds = `20.${unique()}`;
    markers.push(`sleep\0${seconds}`); // the command OpenCode started outlives it: nothing can reach it any more
    const s = start(['--json', '--permission-mode', 'build', `RUN_TOOL: run echo working; sleep ${seconds}`], {
      workspaceConfig: { permission: { bash: { '*': 'deny', 'echo *': 'allow', 'sleep *': 'allow' } } },
    });
    assert.ok(await waitFor(() => s.events.some((e) => e.event.type === 'text'), AGENT_MS), 'no text before the kill');
    process.kill(childOf(s.child.pid!), 'SIGKILL');
    const r = await s.done;
    assert.equal(r.code, 1, r.stderr);
    assert.equal(outcome(r).status, 'failed');
    assert.match(outcome(r).message ?? '', /^OpenCode ended without finishing its answer \(killed by SIGKILL\)/);
    assert.equal(texts(r.events), "I'll run the command.");
  });

  it('Ctrl-C cancels (exit 130) and leaves no process behind, the command it was running included', async () => {
    const seconds = `30.${unique()}`;
    // The sleep's own argv (NUL-separated), not the prompt in the headless CLI's argv.
    const marker = `sleep\0${seconds}`;
    const s = start(['--json', '--permission-mode', 'build', `RUN_TOOL: run echo working; sleep ${seconds} | cat`], {
      workspaceConfig: { permission: { bash: { '*': 'deny', 'echo *': 'allow', 'sleep *': 'allow', cat: 'allow' } } },
    });
    assert.ok(await waitFor(() => processesWithMarker(marker).length > 0, AGENT_MS), 'the command never started');
    markers.push(marker);
    const opencodePid = childOf(s.child.pid!);
    const [sleepPid] = processesWithMarker(marker);
    // OpenCode runs each command in a session of its own: a group signal to OpenCode misses it.
    const commandGroup = groupOf(sleepPid);
    assert.notEqual(commandGroup, opencodePid);
    assert.ok(processesInGroup(commandGroup).length >= 3, 'shell, sleep and cat');

    s.child.kill('SIGINT');
    const r = await s.done;
    assert.equal(r.code, 130, r.stderr);
    assert.equal(outcome(r).status, 'cancelled');
    // The stop signal itself ends OpenCode: it was not killed (SIGKILL) after the grace period.
    assert.notEqual(outcome(r).signal, 'SIGKILL', `OpenCode ignored the stop signal: ${JSON.stringify(outcome(r))}`);
    assert.equal(texts(r.events), "I'll run the command.");
    const gone = () => !isAlive(opencodePid) && processesInGroup(opencodePid).length === 0 && processesInGroup(commandGroup).length === 0 && processesWithMarker(marker).length === 0;
    assert.ok(await waitFor(gone, GONE_MS), 'a process of the tree is still running');
  });

  it('stops at the timeout (exit 124) and leaves no process behind', async () => {
    // The deadline may find OpenCode not yet started, starting, or waiting on the
    // model (which never answers HANG): every case must end the same way.
    const s = start(['--json', '--verbose', '--timeout', '12', `HANG ${unique()}`]);
    const agent = watchAgent(s);
    try {
      const r = await s.done;
      assert.equal(r.code, 124, r.stderr);
      assert.equal(outcome(r).status, 'timed-out');
      assert.ok(await waitFor(() => agent.running().length === 0, GONE_MS), `left behind (agent ${agent.pid}): ${agent.running().join(', ')}`);
    } finally {
      agent.killLeftovers();
    }
  });
});
