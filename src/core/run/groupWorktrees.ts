// Several agents on one prompt, where some may edit files: each of those runs
// in its own git worktree at one snapshot of the working tree, so their edits
// stay apart until the user applies one. Shared by VS Code and the headless CLI.
import * as path from 'node:path';
import { isReadOnlyMode } from '../agents/cliAgent';
import { UserInputError } from '../util/userInputError';
import { repoRoot, type WorktreeEntry, type Worktrees } from '../worktrees/worktrees';
import type { AgentEntry } from './catalog';
import type { RunSpec } from './runSpec';

/** Whether a run of this agent with this spec may change files: a CLI agent in a mode that is not read-only. */
export function mayEdit(agent: AgentEntry, spec: RunSpec): boolean {
  return agent.kind === 'cli' && !isReadOnlyMode(agent.spec, spec.cli?.options.permissionMode || agent.spec.defaultPermissionMode);
}

/** What the user is told when a group's edit-mode runs cannot have worktrees: why, and what to do. */
export function notARepositoryMessage(folder: string, agents: readonly string[]): string {
  return `${agents.join(', ')} ${agents.length === 1 ? 'is' : 'are'} set to a mode that may edit files, and several agents editing one folder would overwrite each other. Each would run in its own git worktree, but ${folder} is not in a git repository: use read-only modes for the group, run one agent on its own, or put the folder under git.`;
}

export interface GroupWorktrees {
  /** The specs to run, those that may edit now working in their worktree. */
  specs: RunSpec[];
  /** The worktree of each spec that got one (same index), else undefined. */
  entries: Array<WorktreeEntry | undefined>;
  snapshot?: string;
}

/**
 * Gives each run that may edit a worktree of `folder`'s repository at one
 * snapshot (taken once for the group), after removing what earlier crashed
 * windows or processes left (the first use of the feature does that, never
 * activation). Runs that only read stay in place. Refuses, before anything
 * is made, when the folder is not in a git repository.
 */
export async function prepareGroupWorktrees(
  items: ReadonlyArray<{ agent: AgentEntry; spec: RunSpec; runId: string }>,
  folder: string,
  worktrees: Worktrees,
  opts: { retentionMs: number; gitBin?: string },
): Promise<GroupWorktrees> {
  const editing = items.filter((i) => mayEdit(i.agent, i.spec));
  if (!editing.length) return { specs: items.map((i) => i.spec), entries: items.map(() => undefined) };
  const repo = await repoRoot(folder, opts.gitBin);
  if (!repo) throw new UserInputError(notARepositoryMessage(folder, editing.map((i) => i.agent.displayName)));
  await worktrees.cleanUp(opts.retentionMs);
  const snapshot = await worktrees.snapshot(repo);
  const entries: Array<WorktreeEntry | undefined> = [];
  const specs: RunSpec[] = [];
  for (const i of items) {
    if (!mayEdit(i.agent, i.spec)) {
      entries.push(undefined);
      specs.push(i.spec);
      continue;
    }
    const entry = await worktrees.add(repo, snapshot, i.runId, i.agent.id);
    entries.push(entry);
    // The same place inside the worktree as the folder in the repository.
    const inside = relativeInside(repo, i.spec.cwd);
    specs.push({ ...i.spec, cwd: inside === undefined ? entry.path : joinInside(entry.path, inside) });
  }
  return { specs, entries, snapshot };
}

function relativeInside(root: string, dir: string): string | undefined {
  const rel = path.relative(root, dir);
  return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel;
}

function joinInside(root: string, rel: string): string {
  return rel ? path.join(root, rel) : root;
}

/** "2 files changed, +10 −3" (or "no changes"). */
export function formatDiffStat(stat: { files: readonly unknown[]; added: number; deleted: number }): string {
  if (!stat.files.length) return 'no changes';
  return `${stat.files.length} file${stat.files.length === 1 ? '' : 's'} changed, +${stat.added} −${stat.deleted}`;
}
