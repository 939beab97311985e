import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { AgentProcess } from '../../src/core/process/agentProcess';
import { descendantsOf, isAlive, killProcessTree, parsePsTable, treeKillPlan } from '../../src/core/process/processTree';
import { processesInGroup, waitFor } from '../support/processes';

const STUBBORN = path.resolve(__dirname, '../../../test/fixtures/bin/stubborn-tree.js');

/** Starts the stubborn tree and waits for it to report both pids. */
async function startTree(mode: 'stay' | 'exit-early' | 'escape' | 'quit-escape'): Promise<{ proc: AgentProcess; pid: number; grandchild: number }> {
  let out = '';
  let report!: (v: { pid: number; grandchild: number }) => void;
  const reported = new Promise<{ pid: number; grandchild: number }>((r) => (report = r));
  const proc = AgentProcess.start({ command: process.execPath, args: [STUBBORN, mode], cwd: __dirname, env: process.env }, (chunk) => {
    out += chunk.toString();
    if (out.includes('\n')) report(JSON.parse(out.split('\n')[0]));
  });
  const pids = await reported;
  return { proc, ...pids };
}

describe('process trees (posix)', function () {
  if (process.platform === 'win32') return;
  const leftovers: number[] = [];
  afterEach(() => {
    for (const pid of leftovers.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  });

  it('stop() escalates from the graceful signal to killing the whole tree', async () => {
    const { proc, pid, grandchild } = await startTree('stay');
    leftovers.push(pid, grandchild);
    assert.ok(isAlive(grandchild));
    const started = Date.now();
    const exit = await proc.stop('SIGTERM', 300);
    assert.equal(exit.signal, 'SIGKILL', 'the tree ignored SIGTERM, so it must have been killed');
    assert.ok(Date.now() - started >= 250, 'the grace period was skipped');
    assert.ok(await waitFor(() => !isAlive(grandchild), 10_000), 'the grandchild survived');
    assert.deepEqual(processesInGroup(pid), []);
  });

  it('kills a grandchild that moved to its own process group', async () => {
    const { proc, pid, grandchild } = await startTree('escape');
    leftovers.push(pid, grandchild);
    assert.notDeepEqual(processesInGroup(pid), []);
    assert.ok(!processesInGroup(pid).includes(grandchild), 'the grandchild did not leave the group');
    await proc.stop('SIGINT', 100);
    assert.ok(await waitFor(() => !isAlive(grandchild), 10_000), 'the escaped grandchild survived');
  });

  it('kills a grandchild in its own group that the root abandons when it obeys the signal', async () => {
    const { proc, pid, grandchild } = await startTree('quit-escape');
    leftovers.push(pid, grandchild);
    const exit = await proc.stop('SIGTERM', 5000);
    assert.equal(exit.exitCode, 0, 'the root should have exited by itself');
    assert.ok(await waitFor(() => !isAlive(grandchild), 10_000), 'the abandoned grandchild survived');
  });

  it('kills what an agent leaves running when it exits by itself', async () => {
    const { proc, pid, grandchild } = await startTree('exit-early');
    leftovers.push(grandchild);
    const exit = await proc.exited;
    assert.equal(exit.exitCode, 0);
    assert.ok(await waitFor(() => !isAlive(grandchild), 10_000), 'an orphan outlived its agent');
    assert.deepEqual(processesInGroup(pid), []);
  });

  it('kill() is synchronous and immediate (what deactivate uses)', async () => {
    const { proc, pid, grandchild } = await startTree('stay');
    leftovers.push(pid, grandchild);
    proc.kill();
    const exit = await proc.exited;
    assert.equal(exit.signal, 'SIGKILL');
    assert.ok(await waitFor(() => !isAlive(grandchild), 10_000));
  });

  it('killProcessTree tolerates a pid that is already gone', () => {
    assert.doesNotThrow(() => killProcessTree(2 ** 22 - 7));
  });

  it('reports a command that cannot start as a spawn error, not a crash', async () => {
    const proc = AgentProcess.start({ command: '/nonexistent/agent', args: [], cwd: __dirname, env: process.env }, () => undefined);
    const exit = await proc.exited;
    assert.equal(exit.spawnError?.code, 'ENOENT');
  });

  it('closes stdin after writing the prompt, so CLIs that read to EOF start', async () => {
    let out = '';
    const proc = AgentProcess.start(
      { command: process.execPath, args: ['-e', 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(s.length))'], cwd: __dirname, env: process.env, stdin: 'x'.repeat(300_000) },
      (c) => (out += c.toString()),
    );
    const exit = await proc.exited;
    assert.equal(exit.exitCode, 0);
    assert.equal(out.trim(), '300000');
  });
});

describe('process tree plans and tables', () => {
  it('uses taskkill /T /F on Windows', () => {
    assert.deepEqual(treeKillPlan('win32', 4242), { kind: 'taskkill', command: 'taskkill', args: ['/pid', '4242', '/T', '/F'] });
    assert.deepEqual(treeKillPlan('darwin', 4242), { kind: 'signals', signal: 'SIGKILL' });
    assert.deepEqual(treeKillPlan('linux', 4242), { kind: 'signals', signal: 'SIGKILL' });
  });

  it('parses ps output and walks descendants through any depth', () => {
    const table = parsePsTable('  1     0\n 10     1\n 11    10\n 12    11\n 13    10\n 20     1\ngarbage\n');
    assert.deepEqual(descendantsOf(10, table).sort(), [11, 12, 13]);
    assert.deepEqual(descendantsOf(20, table), []);
  });
});
