// Worktree set-up for an edit-mode run of several agents (a snapshot of the
// working tree with a temporary index, then `git worktree add` at it) against
// a plain `git worktree add` of HEAD, on a repository of 10,000 files with a
// few uncommitted edits and untracked files, in interleaved rounds.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worktrees } from '../src/core/worktrees/worktrees';
import { interleavedRounds, median, pairedRatio } from './measure';

const FILES = 10_000;
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export async function benchWorktrees(rounds = 9) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'agent-relay-bench-wt-'));
  const repo = path.join(tmp, 'repo');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...args], { cwd: repo, stdio: 'pipe' });
  try {
    for (let d = 0; d < 100; d++) {
      mkdirSync(path.join(repo, 'src', `dir${d}`), { recursive: true });
      for (let f = 0; f < FILES / 100; f++) writeFileSync(path.join(repo, 'src', `dir${d}`, `file${f}.ts`), `export const v${d}_${f} = ${d * f};\n`.repeat(8));
    }
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'bench');
    // What a user has when they start a group: a few edits and new files, not yet committed.
    for (let i = 0; i < 20; i++) writeFileSync(path.join(repo, 'src', `dir${i}`, 'file0.ts'), `// edited ${i}\n`);
    for (let i = 0; i < 5; i++) writeFileSync(path.join(repo, `new${i}.ts`), `// new ${i}\n`);
    const store = new Worktrees(path.join(tmp, 'storage'));
    let n = 0;
    const times = await interleavedRounds(rounds, {
      plain: () => {
        const dir = path.join(tmp, `plain${n++}`);
        git('worktree', 'add', '--quiet', '--detach', dir, 'HEAD');
        git('worktree', 'remove', '--force', dir);
      },
      ours: async () => {
        const runId = `run${n++}`;
        const snapshot = await store.snapshot(repo);
        await store.add(repo, snapshot, runId);
        await store.discard(runId);
      },
    });
    // Per round, ours over plain (> 1 is slower); the first round warms the file cache for both and is dropped.
    const r = pairedRatio(times.plain.slice(1), times.ours.slice(1));
    return {
      workload: `a repository of ${FILES.toLocaleString('en')} files (20 edited, 5 untracked); add then remove, ${rounds} interleaved rounds`,
      medianMs: { plainWorktreeAdd: Math.round(median(times.plain)), snapshotAndAdd: Math.round(median(times.ours)) },
      ratio: { oursVsPlain: round(r.value), spread: [round(r.spread[0]), round(r.spread[1])] as [number, number] },
      goal: 'snapshot and worktree within 1.2x a plain git worktree add',
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) void benchWorktrees().then((r) => console.log(JSON.stringify(r, null, 2)));
