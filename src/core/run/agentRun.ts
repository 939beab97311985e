import { randomUUID } from 'node:crypto';
import type { AgentEvent, RunOutcome, SeqEvent } from '../agents/events';
import type { AgentProvider, RunRequest } from '../agents/provider';
import { nullLogger, type Logger } from '../log';

export interface AgentRunOptions {
  /** 0 or undefined: no limit. */
  timeoutMs?: number;
  logger?: Logger;
  id?: string;
}

/** First-chunk latency and volume, for the log and benchmarks. */
export interface RunMetrics {
  /** From start to the first text/tool event. */
  firstOutputMs?: number;
  events: number;
  textChars: number;
}

type Listener = (e: SeqEvent) => void;

/**
 * One run of one agent: owns the abort controller, the timeout, and the run's
 * event log. The log is kept whole so a panel that was hidden or reloaded can
 * ask for everything after the last sequence number it saw. The last event is
 * always `done`.
 */
export class AgentRun {
  readonly id: string;
  readonly startedAt = Date.now();
  readonly done: Promise<RunOutcome>;
  readonly metrics: RunMetrics = { events: 0, textChars: 0 };
  private readonly log: SeqEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly abort = new AbortController();
  private killProcess: (() => void) | undefined;
  private pidValue: number | undefined;
  private outcomeValue: RunOutcome | undefined;
  private readonly logger: Logger;

  constructor(
    readonly provider: AgentProvider,
    readonly request: RunRequest,
    options: AgentRunOptions = {},
  ) {
    this.id = options.id ?? randomUUID();
    this.logger = options.logger ?? nullLogger;
    this.done = this.execute(options.timeoutMs ?? 0);
  }

  get agentId(): string {
    return this.provider.id;
  }

  get outcome(): RunOutcome | undefined {
    return this.outcomeValue;
  }

  get isRunning(): boolean {
    return this.outcomeValue === undefined;
  }

  /** Pid of the agent's root process while it runs (for tests and the log). */
  get pid(): number | undefined {
    return this.pidValue;
  }

  get lastSeq(): number {
    return this.log.length ? this.log[this.log.length - 1].seq : 0;
  }

  /** Events with a sequence number greater than `seq` (0 = all). */
  eventsAfter(seq: number): SeqEvent[] {
    // seq n lives at index n-1: sequence numbers are dense and start at 1.
    return this.log.slice(Math.max(0, seq));
  }

  /** Subscribes to new events; returns the unsubscribe function. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the run: graceful signal, then the whole process tree. Idempotent. */
  cancel(reason: 'cancelled' | 'timed-out' = 'cancelled'): void {
    if (!this.abort.signal.aborted && this.isRunning) {
      this.logger.info(`cancel requested (${reason})`);
      this.abort.abort(reason);
    }
  }

  /** Kills the process tree immediately and synchronously (window closing). */
  killNow(): void {
    this.cancel();
    this.killProcess?.();
  }

  private record(event: AgentEvent): void {
    if (this.outcomeValue) return; // nothing after done
    const entry: SeqEvent = { seq: this.log.length + 1, at: Date.now() - this.startedAt, event };
    this.log.push(entry);
    this.metrics.events++;
    if (event.type === 'text') this.metrics.textChars += event.text.length;
    if (this.metrics.firstOutputMs === undefined && (event.type === 'text' || event.type === 'tool-use')) {
      this.metrics.firstOutputMs = entry.at;
    }
    for (const l of this.listeners) {
      try {
        l(entry);
      } catch (err) {
        this.logger.error(`event listener failed: ${String(err)}`);
      }
    }
  }

  private async execute(timeoutMs: number): Promise<RunOutcome> {
    await Promise.resolve(); // let the creator subscribe before the first event
    const timer = timeoutMs > 0 ? setTimeout(() => this.cancel('timed-out'), timeoutMs) : undefined;
    timer?.unref?.();
    let outcome: RunOutcome;
    try {
      outcome = await this.provider.run(this.request, {
        emit: (e) => this.record(e),
        signal: this.abort.signal,
        logger: this.logger,
        onProcess: (kill, pid) => {
          this.killProcess = kill;
          this.pidValue = pid;
        },
      });
    } catch (err) {
      // Providers should not throw; if one does, the run still ends cleanly.
      const message = err instanceof Error ? err.message : String(err);
      this.logger.error(`provider threw: ${err instanceof Error ? (err.stack ?? message) : message}`);
      this.record({ type: 'error', message });
      outcome = { status: 'failed', message, durationMs: Date.now() - this.startedAt };
    } finally {
      if (timer) clearTimeout(timer);
    }
    this.logger.info(
      `finished: ${outcome.status}${outcome.message ? ` (${outcome.message.split('\n')[0]})` : ''} in ${outcome.durationMs} ms; first output ${this.metrics.firstOutputMs ?? '-'} ms`,
    );
    this.record({ type: 'done', outcome });
    this.outcomeValue = outcome;
    this.listeners.clear();
    return outcome;
  }
}
