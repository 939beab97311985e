// The worktrees of this window's edit-mode group runs (under the extension's
// global storage), what each changed, and Review / Apply / Discard.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatDiffStat } from '../core/run/groupWorktrees';
import { git } from '../core/worktrees/git';
import { Worktrees, type DiffStat, type WorktreeEntry } from '../core/worktrees/worktrees';
import type { WorktreeView } from '../shared/protocol';

/** How the compare panel shows a worktree: its run is going, or what it changed and what was done with it. */
type Outcome = { state: 'applied' | 'discarded' } | { state: 'conflict'; message: string };

export class WorktreeService implements vscode.Disposable {
  static readonly snapshotScheme = 'agent-relay-snapshot';
  readonly store: Worktrees;
  private readonly entries = new Map<string, WorktreeEntry>();
  private readonly stats = new Map<string, DiffStat>();
  private readonly outcomes = new Map<string, Outcome>();
  private renewTimer: ReturnType<typeof setInterval> | undefined;
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with a run id when its worktree changed state (finished, applied, discarded). */
  readonly onDidChange = this.changed.event;

  constructor(storage: string) {
    this.store = new Worktrees(path.join(storage, 'worktrees'));
  }

  /** Days a finished worktree waits for Review, Apply or Discard (`agentRelay.several.worktreeRetentionDays`). */
  get retentionMs(): number {
    const days = vscode.workspace.getConfiguration('agentRelay').get<number>('several.worktreeRetentionDays', 7);
    return Math.max(0, days) * 24 * 3600_000;
  }

  /** This window owns these worktrees now: their leases are renewed while it lives. */
  track(entries: readonly WorktreeEntry[]): void {
    for (const e of entries) this.entries.set(e.runId, e);
    this.renewTimer ??= setInterval(() => void this.store.renew().catch(() => undefined), 5 * 60_000);
  }

  /** A tracked run ended: its worktree waits for the user, with what it changed. */
  async finished(runId: string): Promise<void> {
    const entry = this.entries.get(runId);
    if (!entry) return;
    await this.store.finished(runId);
    this.stats.set(runId, await this.store.diffStat(entry).catch(() => ({ files: [], added: 0, deleted: 0 })));
    this.changed.fire(runId);
  }

  /**
   * Finished runs' worktrees from the list on disk (a comparison restored after
   * a reload): shown again with what they changed, for Review, Apply, Discard.
   */
  async adopt(runIds: readonly string[]): Promise<void> {
    const wanted = new Set(runIds.filter((id) => !this.entries.has(id)));
    if (!wanted.size) return;
    for (const e of await this.store.list()) {
      if (!wanted.has(e.runId) || e.finishedAt === undefined) continue;
      this.entries.set(e.runId, e);
      this.stats.set(e.runId, await this.store.diffStat(e).catch(() => ({ files: [], added: 0, deleted: 0 })));
    }
  }

  /** What the compare panel shows for a run's worktree, if it has one. */
  view(runId: string): WorktreeView | undefined {
    const entry = this.entries.get(runId);
    if (!entry) return undefined;
    const outcome = this.outcomes.get(runId);
    const stat = this.stats.get(runId);
    return {
      path: entry.path,
      branch: entry.branch,
      state: outcome?.state ?? (stat ? 'ready' : 'running'),
      stat: stat && formatDiffStat(stat),
      files: stat?.files.length,
      message: outcome?.state === 'conflict' ? outcome.message : undefined,
    };
  }

  /** VS Code's changes editor on the worktree's files against the snapshot. */
  async review(runId: string): Promise<void> {
    const entry = this.entries.get(runId);
    const stat = this.stats.get(runId);
    if (!entry || !stat) return;
    if (!stat.files.length) return void vscode.window.showInformationMessage(vscode.l10n.t('This agent changed no files.'));
    const resources = stat.files.map((f) => {
      const modified = vscode.Uri.file(path.join(entry.path, f.path));
      const original = vscode.Uri.from({ scheme: WorktreeService.snapshotScheme, path: `/${runId}/${f.path}` });
      return [modified, original, modified] as const;
    });
    await vscode.commands.executeCommand('vscode.changes', vscode.l10n.t({ message: 'Changes of {0}', args: [entry.agentId ?? runId], comment: '{0} is an agent' }), resources);
  }

  /** Applies the worktree's changes to the working tree (checked first: a conflict changes nothing), then removes it. */
  async apply(runId: string): Promise<void> {
    if (!this.entries.has(runId) || this.outcomes.get(runId)?.state === 'applied') return;
    const result = await this.store.apply(runId);
    if (result.applied) {
      this.outcomes.set(runId, { state: 'applied' });
      void vscode.window.showInformationMessage(vscode.l10n.t({ message: 'Applied {0} to the working tree.', args: [formatDiffStat(result.stat)], comment: '{0} is e.g. "2 files changed, +10 −3"' }));
    } else {
      this.outcomes.set(runId, { state: 'conflict', message: result.conflict });
      void vscode.window.showWarningMessage(vscode.l10n.t({ message: 'Nothing was applied: {0}', args: [result.conflict], comment: '{0} is what git says conflicts' }));
    }
    this.changed.fire(runId);
  }

  async discard(runId: string): Promise<void> {
    if (!this.entries.has(runId)) return;
    await this.store.discard(runId);
    this.outcomes.set(runId, { state: 'discarded' });
    this.changed.fire(runId);
  }

  /** A file as the snapshot of a run's worktree holds it (the left side of Review). */
  async snapshotText(uri: vscode.Uri): Promise<string> {
    const [, runId, ...rest] = uri.path.split('/');
    const entry = this.entries.get(runId);
    if (!entry) return '';
    // `git show <snapshot>:<path>`; a file the agent added is not in the snapshot: empty.
    return git('git', ['show', `${entry.snapshot}:${rest.join('/')}`], { cwd: entry.repo }).catch(() => '');
  }

  dispose(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.changed.dispose();
  }
}
