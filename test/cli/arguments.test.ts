// Values that reach an agent CLI's command line (model, allowed tools,
// permission mode), against each real CLI's own argument parser: a flag-like
// value is refused before anything starts, and the `--flag=value` form we pass
// is read by every CLI as exactly one value.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claudeHome, codexHome, geminiHome, opencodeHome } from '../support/agentHomes';
import { ModelServer } from '../support/modelServer';
import { AGENT_TEST_MS, startCli, tool, type CliResult } from './harness';

type Agent = 'claude' | 'codex' | 'gemini' | 'opencode';
const HOMES = { claude: claudeHome, codex: codexHome, gemini: geminiHome, opencode: opencodeHome };

describe('headless CLI: values on the agents\' command lines', function () {
  this.timeout(AGENT_TEST_MS);
  let server: ModelServer;
  let scratch: string;
  const bins: Partial<Record<Agent, string>> = {};

  before(async () => {
    server = await new ModelServer().start();
    for (const a of Object.keys(HOMES) as Agent[]) bins[a] = (await tool(a)).bin;
  });
  after(async () => server?.close());
  beforeEach(() => (scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'relay-args-')))));
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  function run(agent: Agent, args: string[]): Promise<CliResult> {
    const home = path.join(scratch, 'home');
    const work = path.join(scratch, 'work');
    mkdirSync(work, { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: work }); // Codex works only in a Git repository
    const { env } = HOMES[agent](home, server.url);
    return startCli(['run', '--agent', agent, '--json', '--verbose', '--no-cache', ...args], { cwd: work, binDirs: [path.dirname(bins[agent]!)], env: { ...env, CLAUDE_CODE_MAX_RETRIES: '1' } }).done;
  }
  const requestsWith = (marker: string) => server.messageRequests().filter((r) => JSON.stringify(r.body).includes(marker));

  for (const agent of Object.keys(HOMES) as Agent[]) {
    it(`${agent}: a flag-like model is refused before anything starts`, async () => {
      const r = await run(agent, ['--model', '--dangerously-skip-permissions', `Hello refused-${agent}`]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /Refusing the .* model "--dangerously-skip-permissions": a value must not be empty, start with "-"/);
      assert.doesNotMatch(r.stderr, /started pid/, 'an agent process was started');
      assert.equal(requestsWith(`refused-${agent}`).length, 0);
    });
  }

  it('claude: the model reaches the API as one value, spaces and all; allowed tools as --allowedTools=rule', async () => {
    const model = 'loopback model=v2';
    const r = await run('claude', ['--model', model, '--permission-mode', 'default', '--allowed-tools', 'Bash(echo *)', 'RUN_TOOL: run echo one-value']);
    assert.equal(r.code, 0, r.stderr);
    const reqs = requestsWith('one-value');
    assert.ok(reqs.length >= 1);
    assert.equal(reqs[0].body.model, model);
    assert.ok(r.events.some((e) => e.event.type === 'tool-result' && e.event.output.includes('one-value')), 'the allowed tool ran');
  });

  it('opencode: the provider/model value reaches the API (OpenCode accepts only models it knows)', async () => {
    const r = await run('opencode', ['--model', 'anthropic/claude-sonnet-4-5', 'Hello opencode-model']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /"--model=anthropic\/claude-sonnet-4-5"/);
    assert.equal(requestsWith('opencode-model')[0]?.body.model, 'claude-sonnet-4-5');
  });

  it('gemini: the model reaches the API as one value', async () => {
    const r = await run('gemini', ['--model', 'gemini-loopback=v2', 'Hello gemini-model']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(requestsWith('gemini-model')[0]?.path ?? '', /\/models\/gemini-loopback=v2:streamGenerateContent/);
  });

  it('codex: the model reaches the API as one value', async () => {
    const r = await run('codex', ['--model', 'gpt-loopback=v2', 'Hello codex-model']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(requestsWith('codex-model')[0]?.body.model, 'gpt-loopback=v2');
  });

  it('a list of tools in one allowed-tools value is refused, not passed on', async () => {
    const r = await run('claude', ['--permission-mode', 'default', '--allowed-tools', 'Bash Edit', 'Hello list-refused']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /one tool per entry/);
    assert.equal(requestsWith('list-refused').length, 0);
  });
});
