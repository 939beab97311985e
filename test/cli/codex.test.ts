// The headless CLI (dist/cli.js) against the real OpenAI Codex CLI and the
// loopback model server (OpenAI Responses API).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { codexHome } from '../support/agentHomes';
import { ModelServer } from '../support/modelServer';
import { isAlive } from '../../src/core/process/processTree';
import { processesInGroup, waitFor } from '../support/processes';
import { AGENT_MS, AGENT_TEST_MS, childOf, GONE_MS, startCli, texts, tool, types } from './harness';

describe('headless CLI with the real codex', function () {
  this.timeout(AGENT_TEST_MS);
  let server: ModelServer;
  let codexBin: string;
  let scratch: string;
  let home: string;
  /** A Git repository: Codex refuses to work anywhere else. */
  let work: string;

  before(async () => {
    codexBin = (await tool('codex')).bin;
    server = await new ModelServer().start();
  });
  after(async () => server?.close());

  beforeEach(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'relay-codex-'));
    home = path.join(scratch, 'home');
    work = path.join(scratch, 'work');
    mkdirSync(work);
    execFileSync('git', ['init', '-q'], { cwd: work });
    // What a user pointing Codex at their own OpenAI-compatible endpoint would configure:
    // a mock provider, no retries (quick error tests, exact request counts), no analytics or plugin sync.
    codexHome(home, server.url);
    server.requests.length = 0;
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  /** `node dist/cli.js …` with codex on PATH, in a scratch HOME, in `cwd` (the Git repository by default). */
  function start(args: string[], cwd = work) {
    return startCli(args, {
      cwd,
      binDirs: [path.dirname(codexBin)],
      env: {
        HOME: home,
        CODEX_HOME: path.join(home, '.codex'),
        MOCK_API_KEY: 'sk-loopback-test',
        OPENAI_API_KEY: undefined,
        CODEX_API_KEY: undefined,
      },
    });
  }

  const responses = () => server.messageRequests('openai-responses');
  /** Tool outputs Codex sent back to the model, from the request bodies. */
  const toolOutputs = () =>
    responses().flatMap((r) =>
      (r.body.input as any[])
        .filter((i) => i.type === 'custom_tool_call_output' || i.type === 'function_call_output')
        .map((i) => (typeof i.output === 'string' ? i.output : i.output.map((c: any) => c.text).join(''))),
    );

  it('runs a tool for real and the model gets its output', async () => {
    const r = await start(['run', '--agent', 'codex', '--json', 'RUN_TOOL: run echo from-codex']).done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(types(r.events)[0], 'started');
    assert.equal(types(r.events).at(-1), 'done');
    const use = r.events.find((e) => e.event.type === 'tool-use')?.event;
    assert.ok(use?.type === 'tool-use' && use.name === 'shell' && /echo from-codex/.test((use.input as { command: string }).command), JSON.stringify(use));
    const result = r.events.find((e) => e.event.type === 'tool-result')?.event;
    assert.ok(result?.type === 'tool-result' && result.toolUseId === use.id && result.output === 'from-codex\n' && !result.isError, JSON.stringify(result));
    assert.equal(texts(r.events), "I'll run the command.The command printed: from-codex");
    assert.equal(responses().length, 2);
    assert.ok(toolOutputs().some((o) => o.includes('from-codex')), 'the command output went back to the model');
    const done = r.events.at(-1)!.event;
    assert.ok(done.type === 'done' && done.outcome.status === 'succeeded' && done.outcome.result === 'The command printed: from-codex');
    r.events.forEach((e, i) => assert.equal(e.seq, i + 1));
  });

  it('passes --model on; the unknown-model warning is a notice and plain function tools work too', async () => {
    // Without model metadata Codex offers `exec_command` as an ordinary function tool instead of code mode.
    const r = await start(['run', '--agent', 'codex', '--json', '--model', 'gpt-5.1-codex', 'RUN_TOOL: run echo via-function']).done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(responses().every((q) => q.body.model === 'gpt-5.1-codex'));
    assert.ok(responses()[1].body.input.some((i: any) => i.type === 'function_call_output'), 'answered with a function call');
    assert.ok(r.events.some((e) => e.event.type === 'notice' && /Model metadata for `gpt-5\.1-codex` not found/.test(e.event.message)));
    assert.equal(texts(r.events), "I'll run the command.The command printed: via-function");
  });

  it('is read-only by default; workspace-write lets a command write in the working folder', async () => {
    const prompt = 'RUN_TOOL: run echo written > out.txt';
    const readOnly = await start(['run', '--agent', 'codex', '--json', prompt]).done;
    assert.equal(readOnly.code, 0, readOnly.stderr);
    assert.equal(existsSync(path.join(work, 'out.txt')), false, 'the read-only sandbox let a write through');
    assert.ok(toolOutputs().some((o) => /Read-only file system/.test(o)), toolOutputs().join('\n'));

    const writable = await start(['run', '--agent', 'codex', '--json', '--permission-mode', 'workspace-write', prompt]).done;
    assert.equal(writable.code, 0, writable.stderr);
    assert.equal(readFileSync(path.join(work, 'out.txt'), 'utf8'), 'written\n');
  });

  it('refuses a permission mode that would bypass the sandbox', async () => {
    const r = await start(['run', '--agent', 'codex', '--permission-mode', 'danger-full-access', 'hi']).done;
    assert.equal(r.code, 2, 'a usage error, refused before anything starts');
    assert.match(r.stderr, /Unsupported OpenAI Codex permission mode "danger-full-access"/);
    assert.equal(responses().length, 0);
  });

  it('exits 1 with the API error on a failed run', async () => {
    const r = await start(['run', '--agent', 'codex', 'API_ERROR:401']).done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed: unexpected status 401 Unauthorized: Mock error \(HTTP 401\)/);
    assert.equal(responses().length, 1);
  });

  it('an agent killed mid-answer fails the run and keeps what it had shown', async () => {
    // The model hangs in its second turn, after the tool ran.
    const sleep = server.sleep.bind(server);
    server.sleep = async (ms) => {
      if (responses().length >= 2) await server.gate('codex-second-turn').released;
      return sleep(ms);
    };
    try {
      const s = start(['run', '--agent', 'codex', '--json', 'RUN_TOOL: run echo partial']);
      assert.ok(await waitFor(() => s.events.some((e) => e.event.type === 'tool-result') && responses().length >= 2, AGENT_MS), 'the second turn never started');
      const agent = childOf(s.child.pid!);
      process.kill(agent, 'SIGKILL'); // the way a crash would
      const r = await s.done;
      assert.equal(r.code, 1);
      const done = r.events.at(-1)!.event;
      assert.ok(done.type === 'done' && done.outcome.status === 'failed');
      assert.match(done.outcome.message ?? '', /ended without a result \(killed by SIGKILL\)/);
      assert.equal(texts(r.events), "I'll run the command.", 'the partial answer was lost');
      assert.ok(r.events.some((e) => e.event.type === 'tool-result' && e.event.output === 'partial\n'));
      assert.ok(await waitFor(() => processesInGroup(agent).length === 0, GONE_MS), 'the native codex outlived its wrapper');
    } finally {
      server.sleep = sleep;
      server.gate('codex-second-turn').release();
    }
  });

  it('Ctrl-C cancels cleanly (exit 130) and leaves no process of the tree behind', async () => {
    const s = start(['run', '--agent', 'codex', '--json', 'HANG']);
    assert.ok(await waitFor(() => s.events.some((e) => e.event.type === 'started') && responses().length === 1, AGENT_MS), 'codex never reached the model');
    const agent = childOf(s.child.pid!);
    const tree = processesInGroup(agent);
    // The npm wrapper (node) and the native binary it started, at least.
    assert.ok(tree.length >= 2 && tree.includes(agent), `process group ${agent}: ${tree.join(', ')}`);
    s.child.kill('SIGINT');
    const r = await s.done;
    assert.equal(r.code, 130, r.stderr);
    const done = r.events.at(-1)!.event;
    assert.ok(done.type === 'done' && done.outcome.status === 'cancelled');
    assert.ok(await waitFor(() => tree.every((p) => !isAlive(p)) && processesInGroup(agent).length === 0, GONE_MS), `left behind: ${tree.filter(isAlive).join(', ')}`);
  });

  it('a missing CLI is a clear error, not a stack trace', async () => {
    const r = await start(['run', '--agent', 'codex', '--agent-path', '/nonexistent/codex', 'hi']).done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /OpenAI Codex was not found at "\/nonexistent\/codex"/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('outside a Git repository, Codex’s stderr-only refusal becomes a readable error', async () => {
    const plain = path.join(scratch, 'plain');
    mkdirSync(plain);
    const r = await start(['run', '--agent', 'codex', '--json', 'Say hello'], plain).done;
    assert.equal(r.code, 1);
    const done = r.events.at(-1)!.event;
    assert.ok(done.type === 'done' && done.outcome.status === 'failed');
    assert.match(done.outcome.message ?? '', /^OpenAI Codex could not start the run \(exit code 1\): Not inside a trusted directory/);
    assert.match(done.outcome.message ?? '', /git init/);
    assert.equal(responses().length, 0);
  });
});
