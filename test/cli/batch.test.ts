// `agent-relay batch`: the four real CLIs and both APIs in one file, mixed
// successes and failures, under --max-concurrent 2, against the loopback
// model server; then `runs list/show` read what the batch left in the history.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claudeHome, codexHome, geminiHome, opencodeHome } from '../support/agentHomes';
import { ModelServer } from '../support/modelServer';
import { waitFor } from '../support/processes';
import { AGENT_MS, AGENT_TEST_MS, startCli, tool } from './harness';

describe('headless CLI: batch runs and the run history', function () {
  this.timeout(AGENT_TEST_MS);
  let server: ModelServer;
  let scratch: string;
  let home: string;
  let work: string;
  let env: Record<string, string>;
  let binDirs: string[];

  before(async () => {
    server = await new ModelServer().start();
    binDirs = [];
    for (const name of ['claude', 'codex', 'gemini', 'opencode'] as const) binDirs.push(path.dirname((await tool(name)).bin));
  });
  after(async () => server?.close());
  beforeEach(() => {
    scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'relay-batch-')));
    home = path.join(scratch, 'home');
    work = path.join(scratch, 'work');
    mkdirSync(work, { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: work }); // Codex works only in a Git repository
    // One home that points every agent at the loopback server.
    env = {
      ...claudeHome(home, server.url).env,
      ...codexHome(home, server.url).env,
      ...geminiHome(home, server.url).env,
      ...opencodeHome(home, server.url).env,
      CLAUDE_CODE_MAX_RETRIES: '1',
      ANTHROPIC_BASE_URL: server.url,
      OPENAI_BASE_URL: `${server.url}/v1`,
      OPENAI_API_KEY: 'sk-loopback-test',
    };
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  const cli = (args: string[]) => startCli([...args, '--storage', path.join(scratch, 'storage')], { cwd: work, binDirs, env });
  const seen = (marker: string) => server.messageRequests().filter((r) => JSON.stringify(r.body).includes(marker) || r.path.includes(marker)).length;

  it('runs every task under the limit, tags each event with its task, sums up, exits 1 when one failed; runs list/show read the history', async () => {
    const tasks = [
      { agent: 'claude', prompt: 'Batch one GATE:batch-1' },
      { agent: 'codex', prompt: 'Batch two GATE:batch-2' },
      { agent: 'gemini', prompt: 'Batch three API_ERROR:500', model: 'gemini-2.5-flash' },
      { agent: 'opencode', prompt: 'Batch four', model: 'anthropic/claude-sonnet-4-5' },
      { agent: 'anthropic', prompt: 'Batch five' },
      { agent: 'openai', prompt: 'Batch six', cwd: '.' },
    ];
    writeFileSync(path.join(work, 'tasks.jsonl'), `${tasks.map((t) => JSON.stringify(t)).join('\n')}\n`);
    const s = cli(['batch', 'tasks.jsonl', '--json', '--max-concurrent', '2', '--retries', '0']);
    // The first two hold their gates: nothing else may start meanwhile.
    await Promise.all([server.gate('batch-1').reached, server.gate('batch-2').reached]);
    for (const marker of ['Batch three', 'Batch four', 'Batch five', 'Batch six']) assert.equal(seen(marker), 0, `${marker} started while two tasks were running`);
    server.gate('batch-1').release();
    assert.ok(await waitFor(() => seen('Batch three') + seen('Batch four') + seen('Batch five') + seen('Batch six') > 0, AGENT_MS), 'no task started after one finished');
    assert.ok(seen('Batch three') + seen('Batch four') + seen('Batch five') + seen('Batch six') <= 1, 'two tasks started for one place');
    server.gate('batch-2').release();
    const r = await s.done;
    assert.equal(r.code, 1, r.stderr);

    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const summaries = lines.filter((l) => l.summary).map((l) => l.summary);
    assert.deepEqual(summaries.map((x) => [x.task, x.agent, x.status]), [
      [1, 'claude', 'succeeded'],
      [2, 'codex', 'succeeded'],
      [3, 'gemini', 'failed'],
      [4, 'opencode', 'succeeded'],
      [5, 'anthropic', 'succeeded'],
      [6, 'openai', 'succeeded'],
    ]);
    const events = lines.filter((l) => !l.summary);
    for (const task of [1, 2, 3, 4, 5, 6]) {
      const own = events.filter((e) => e.task === task);
      assert.ok(own.length > 0 && own.at(-1).event.type === 'done', `task ${task}'s events are not all tagged, or lack their done`);
      own.forEach((e, i) => assert.equal(e.seq, i + 1, `task ${task}'s sequence numbers`));
    }
    assert.ok(events.every((e) => typeof e.task === 'number'), 'an event line without its task');

    const listed = execFileSync(process.execPath, [path.join(__dirname, '../../../dist/cli.js'), 'runs', 'list', '--json', '--storage', path.join(scratch, 'storage')], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(listed.length, 6);
    assert.deepEqual(listed.map((x) => x.agentId).sort(), ['anthropic', 'claude', 'codex', 'gemini', 'openai', 'opencode']);
    const failed = listed.find((x) => x.agentId === 'gemini');
    assert.equal(failed.status, 'failed');
    const shown = execFileSync(process.execPath, [path.join(__dirname, '../../../dist/cli.js'), 'runs', 'show', listed.find((x) => x.agentId === 'anthropic').id, '--storage', path.join(scratch, 'storage')], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(shown, /Hello from the loopback model\./);

    // The usage ledger of the same history: one row per agent today, the tokens the runs reported.
    const usage = (flag: string) => execFileSync(process.execPath, [path.join(__dirname, '../../../dist/cli.js'), 'runs', 'usage', flag, '--storage', path.join(scratch, 'storage')], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const rows = usage('--json').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => r.agentId).sort(), ['anthropic', 'claude', 'codex', 'gemini', 'openai', 'opencode']);
    const tokens = (id: string) => listed.filter((x) => x.agentId === id).reduce((n, x) => n + (x.inputTokens ?? 0), 0);
    for (const r of rows) assert.equal(r.inputTokens, tokens(r.agentId), r.agentId);
    const csv = usage('--csv').split('\r\n');
    assert.equal(csv[0], 'day,agentId,agentName,runs,inputTokens,outputTokens,costUsd,runsWithoutCost,cacheHits,savedTokens,savedCostUsd');
    assert.equal(csv.filter(Boolean).length, 7);
  });

  it('a malformed line is reported with its line number, and nothing runs', async () => {
    writeFileSync(
      path.join(work, 'bad.jsonl'),
      [JSON.stringify({ agent: 'anthropic', prompt: 'Never run one' }), '{"agent": "claude", "prompt": ', JSON.stringify({ agent: 'nope', prompt: 'x' }), JSON.stringify({ agent: 'claude', prompt: 'x', colour: 'red' }), JSON.stringify({ agent: 'claude', prompt: '' })].join('\n'),
    );
    const r = await cli(['batch', 'bad.jsonl']).done;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /nothing was run/);
    assert.match(r.stderr, /line 2: not JSON/);
    assert.match(r.stderr, /line 3: Unknown agent "nope"/);
    assert.match(r.stderr, /line 4: unknown field "colour"/);
    assert.match(r.stderr, /line 5: "prompt" must be a non-empty string/);
    assert.equal(seen('Never run one'), 0, 'a task ran although the file was refused');
  });
});
