import * as path from 'node:path';
import { formatDiffStat } from '../core/run/groupWorktrees';
import { textTable } from '../core/util/textTable';
import { Worktrees, type WorktreeEntry } from '../core/worktrees/worktrees';
import { defaultStorage } from './cacheCommand';
import type { CliArgs } from './args';
import { out } from './output';
import { EXIT, worktreesFolder } from './session';

/** A listed worktree by its run id, or by a prefix of it that only one has (as `runs list` shows ids). */
function find(list: readonly WorktreeEntry[], id: string): WorktreeEntry | undefined {
  const exact = list.find((e) => e.runId === id);
  if (exact) return exact;
  const matches = id.length >= 4 ? list.filter((e) => e.runId.startsWith(id)) : [];
  return matches.length === 1 ? matches[0] : undefined;
}

/** `worktrees list|apply|discard`: the worktrees `run --agent a,b --worktrees` left for review. */
export async function worktreesCommand(args: Extract<CliArgs, { command: 'worktrees' }>): Promise<number> {
  const worktrees = new Worktrees(worktreesFolder(path.resolve(args.storage ?? defaultStorage())));
  const list = await worktrees.list();
  if (args.action === 'list') {
    const rows = await Promise.all(list.map(async (e) => ({ entry: e, stat: await worktrees.diffStat(e).catch(() => undefined) })));
    if (args.json) {
      for (const { entry, stat } of rows) out(`${JSON.stringify({ ...entry, files: stat?.files, added: stat?.added, deleted: stat?.deleted })}\n`);
    } else if (!rows.length) process.stderr.write('No worktrees.\n');
    else {
      const cells = rows.map(({ entry, stat }) => [entry.runId, entry.agentId ?? '', entry.finishedAt ? 'finished' : 'running', stat ? formatDiffStat(stat) : 'missing', entry.repo, entry.path]);
      out(`${textTable(['run', 'agent', 'run state', 'changes', 'repository', 'worktree'], cells)}\n`);
    }
    return EXIT.ok;
  }
  const entry = find(list, args.id!);
  if (!entry) {
    process.stderr.write(`No worktree of run ${JSON.stringify(args.id).slice(0, 80)} (see "worktrees list").\n`);
    return EXIT.failed;
  }
  if (args.action === 'discard') {
    await worktrees.discard(entry.runId);
    process.stderr.write(`Discarded the worktree and branch ${entry.branch}.\n`);
    return EXIT.ok;
  }
  const result = await worktrees.apply(entry.runId);
  if (!result.applied) {
    process.stderr.write(`Nothing was applied: ${result.conflict}\nThe worktree stays at ${entry.path} for review (discard it with "worktrees discard ${entry.runId}").\n`);
    return EXIT.failed;
  }
  process.stderr.write(`Applied ${formatDiffStat(result.stat)} to ${entry.repo}; the worktree and branch ${entry.branch} are removed.\n`);
  if (args.json) out(`${JSON.stringify({ applied: true, files: result.stat.files })}\n`);
  return EXIT.ok;
}
