import { historyRecord, type HistoryRecord } from '../history/historyRecord';
import type { WorkspaceHistory } from '../history/historyStore';
import type { Logger } from '../log';
import type { AgentRun } from './agentRun';
import type { RunRegistry } from './runRegistry';

/**
 * Keeps every finished run of a registry in the history store: its record and
 * its whole event log, written when it finishes (a cancelled queued run too).
 * A failure to write is logged, never the run's failure.
 */
export class HistoryRecorder {
  private readonly pending = new Set<Promise<void>>();
  private readonly listeners = new Set<(record: HistoryRecord) => void>();
  private readonly unsubscribe: () => void;

  constructor(
    registry: RunRegistry,
    private readonly historyFor: (run: AgentRun) => Promise<WorkspaceHistory | undefined>,
    private readonly logger: Logger,
  ) {
    this.unsubscribe = registry.onDidChange((c) => {
      if (c.kind === 'changed' && c.run.state === 'finished') this.track(this.record(c.run));
    });
  }

  /** Fires after a run was written (the Runs view refreshes). */
  onDidWrite(listener: (record: HistoryRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits for the writes under way (before a headless exit, or when the window closes). */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  dispose(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async record(run: AgentRun): Promise<void> {
    try {
      const history = await this.historyFor(run);
      if (!history) return;
      const record = historyRecord({ ...run.record, fullPrompt: run.request.prompt, metrics: run.metricsRecord() }, run.eventsAfter(0));
      await history.write(record, run.eventsAfter(0));
      for (const l of this.listeners) l(record);
    } catch (err) {
      this.logger.warn(`history: could not keep run ${run.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
