// Several agents in edit modes through the headless CLI (`run --agent a,b
// --worktrees`): the real Codex (workspace-write) and OpenCode (build) CLIs,
// told by the loopback model to write the same file with different contents
// (each gets its wire format's name: Codex speaks OpenAI Responses, OpenCode here Anthropic Messages),
// each in its own git worktree; then `worktrees list|apply|discard`.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { codexHome, opencodeHome } from '../support/agentHomes';
import { ModelServer } from '../support/modelServer';
import { waitFor } from '../support/processes';
import { AGENT_MS, AGENT_TEST_MS, startCli, tool } from './harness';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

describe('headless CLI: several agents in edit modes, each in its own git worktree', function () {
  this.timeout(AGENT_TEST_MS);
  let server: ModelServer;
  let scratch: string;
  let work: string;
  let storage: string;
  let env: Record<string, string | undefined>;
  let binDirs: string[];

  before(async () => {
    server = await new ModelServer().start();
    binDirs = await Promise.all((['codex', 'opencode'] as const).map(async (t) => path.dirname((await tool(t)).bin)));
  });
  after(async () => server?.close());
  beforeEach(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'relay-worktrees-'));
    const home = path.join(scratch, 'home');
    work = path.join(scratch, 'work');
    storage = path.join(scratch, 'storage');
    mkdirSync(path.join(work, 'src'), { recursive: true });
    writeFileSync(path.join(work, 'src', 'app.js'), 'export const a = 1;\n');
    writeFileSync(path.join(work, '.gitignore'), 'node_modules/\n');
    git(work, 'init', '-q');
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', 'first');
    env = { ...codexHome(home, server.url).env, ...opencodeHome(home, server.url, []).env, OPENAI_API_KEY: undefined, CODEX_API_KEY: undefined, HOME: home };
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  const cli = (args: string[], cwd = work) => startCli([...args, '--storage', storage], { cwd, binDirs, env }).done;
  const EDIT = ['--permission-mode', 'codex=workspace-write', '--permission-mode', 'opencode=build'];
  const PROMPT = 'RUN_TOOL: run echo from-{wire} > notes.txt';

  it('keeps each agent\'s edit in its own worktree; Apply brings exactly one, a conflicting Apply changes nothing, Discard removes worktree and branch', async () => {
    // The user's own uncommitted edit, which the snapshot carries into both worktrees.
    writeFileSync(path.join(work, 'src', 'app.js'), 'export const a = 1;\n// mine\n');
    const status = git(work, 'status', '--porcelain');
    const r = await cli(['run', '--agent', 'codex,opencode', '--worktrees', '--json', ...EDIT, PROMPT]);
    assert.equal(r.code, 0, r.stderr);
    const summaries = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.summary);
    assert.deepEqual(summaries.map((s) => s.agent), ['codex', 'opencode']);
    const [codex, opencode] = summaries.map((s) => s.worktree);
    assert.ok(codex && opencode, JSON.stringify(summaries));
    assert.deepEqual([codex.files, opencode.files], [['notes.txt'], ['notes.txt']]);
    assert.equal(summaries[0].summary.filesChanged, 1);
    assert.equal(readFileSync(path.join(codex.path, 'notes.txt'), 'utf8'), 'from-openai-responses\n');
    assert.equal(readFileSync(path.join(opencode.path, 'notes.txt'), 'utf8'), 'from-anthropic\n');
    assert.equal(readFileSync(path.join(codex.path, 'src', 'app.js'), 'utf8'), 'export const a = 1;\n// mine\n', 'the snapshot carried the uncommitted edit');
    assert.equal(existsSync(path.join(work, 'notes.txt')), false, 'the user\'s tree changed before Apply');
    assert.equal(git(work, 'status', '--porcelain'), status);
    assert.match(git(work, 'branch', '--list', 'agent-relay/*'), new RegExp(codex.runId));

    const listed = await cli(['worktrees', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(listed.stdout.trim().split('\n').map((l) => JSON.parse(l).runId).sort(), [codex.runId, opencode.runId].sort());

    const applied = await cli(['worktrees', 'apply', codex.runId]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(readFileSync(path.join(work, 'notes.txt'), 'utf8'), 'from-openai-responses\n');
    assert.equal(readFileSync(path.join(work, 'src', 'app.js'), 'utf8'), 'export const a = 1;\n// mine\n', 'the user\'s own edit is there once');
    assert.equal(existsSync(codex.path), false);

    const conflict = await cli(['worktrees', 'apply', opencode.runId]);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /Nothing was applied: .*notes\.txt/);
    assert.equal(readFileSync(path.join(work, 'notes.txt'), 'utf8'), 'from-openai-responses\n', 'a conflicting Apply changed the file');

    const discarded = await cli(['worktrees', 'discard', opencode.runId.slice(0, 8)]);
    assert.equal(discarded.code, 0, discarded.stderr);
    assert.equal(existsSync(opencode.path), false);
    assert.equal(git(work, 'branch', '--list', 'agent-relay/*').trim(), '');
    assert.equal((await cli(['worktrees', 'list'])).stderr.trim(), 'No worktrees.');
  });

  it('a process killed mid-run leaves worktrees that the next group removes; a live process\'s are left alone', async () => {
    const held = server.gate('wt-held');
    const crashed = startCli(['run', '--agent', 'codex,opencode', '--worktrees', '--json', ...EDIT, '--storage', storage, 'GATE:wt-held'], { cwd: work, binDirs, env });
    const listedIds = async () => (await cli(['worktrees', 'list', '--json'])).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).runId as string);
    assert.ok(await waitFor(async () => (await listedIds()).length === 2, AGENT_MS), 'the first group never listed its worktrees');
    const crashedIds = await listedIds();
    crashed.child.kill('SIGKILL');
    await crashed.done;
    // Another group, alive and held at its own gate, made after the crash.
    const liveGate = server.gate('wt-live');
    const live = startCli(['run', '--agent', 'codex,opencode', '--worktrees', '--json', ...EDIT, '--storage', storage, 'GATE:wt-live'], { cwd: work, binDirs, env });
    assert.ok(await waitFor(async () => (await listedIds()).filter((id) => !crashedIds.includes(id)).length === 2, AGENT_MS), 'the live group never listed its worktrees');
    const liveIds = (await listedIds()).filter((id) => !crashedIds.includes(id));
    assert.equal(liveIds.length, 2, 'the live group has its two worktrees');
    // The live group's own first use removed the crashed process's worktrees and branches.
    assert.deepEqual((await listedIds()).sort(), liveIds.sort());
    for (const id of crashedIds) {
      assert.equal(existsSync(path.join(storage, 'worktrees', id)), false);
      assert.doesNotMatch(git(work, 'branch', '--list', `agent-relay/${id}`), /agent-relay/);
    }
    // A third group's clean-up while the live one runs leaves the live one's alone.
    const third = await cli(['run', '--agent', 'codex,opencode', '--worktrees', '--json', ...EDIT, PROMPT]);
    assert.equal(third.code, 0, third.stderr);
    for (const id of liveIds) assert.ok(existsSync(path.join(storage, 'worktrees', id)), `the live group's worktree ${id} was removed`);
    held.release();
    liveGate.release();
    assert.equal((await live.done).code, 0);
  });

  it('refuses edit modes on several agents without --worktrees, and outside a git repository; read-only modes run in place', async () => {
    const before = server.messageRequests().length;
    const without = await cli(['run', '--agent', 'codex,opencode', ...EDIT, PROMPT]);
    assert.equal(without.code, 2);
    assert.match(without.stderr, /Nothing was run\.[\s\S]*OpenAI Codex, OpenCode may edit files[\s\S]*--worktrees/);
    const plain = path.join(scratch, 'plain');
    mkdirSync(plain);
    const notGit = await startCli(['run', '--agent', 'codex,opencode', '--worktrees', ...EDIT, '--storage', storage, PROMPT], { cwd: plain, binDirs, env: { ...env, GIT_CEILING_DIRECTORIES: scratch } }).done;
    assert.equal(notGit.code, 2);
    assert.match(notGit.stderr, /not in a git repository/);
    assert.equal(server.messageRequests().length, before, 'a refused group reached the model');
    // (Codex itself insists on a git repository, so the read-only pair here is OpenCode and a model API.)
    const readOnly = await startCli(['run', '--agent', 'opencode,anthropic', '--base-url', server.url, '--storage', storage, 'Hello'], { cwd: plain, binDirs, env: { ...env, GIT_CEILING_DIRECTORIES: scratch, ANTHROPIC_API_KEY: 'sk-ant-loopback-test' } }).done;
    assert.equal(readOnly.code, 0, readOnly.stderr);
    assert.equal((readOnly.stdout.match(/Hello from the loopback model\./g) ?? []).length, 2);
  });
});
