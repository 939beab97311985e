import * as vscode from 'vscode';
import { nullLogger, withPrefix, type Logger } from '../core/log';

/**
 * The "Agent Relay" log channel, created on first use, and one prefixed logger
 * per run (its correlation id). If the channel cannot be created, runs carry on
 * without a log rather than fail.
 */
export class RunLogs implements vscode.Disposable {
  private channel: vscode.LogOutputChannel | undefined;
  private failed = false;
  private readonly perRun = new Map<string, Logger>();
  /** From the bundle's first line to `activate()` returning, in ms. */
  activationMs: number | undefined;

  /** Our activation time: said in the log once it exists (activation itself creates no channel). */
  activated(ms: number): void {
    this.activationMs = ms;
    this.channel?.info(activationLine(ms));
  }

  get root(): Logger {
    if (!this.channel && !this.failed) {
      try {
        this.channel = vscode.window.createOutputChannel('Agent Relay', { log: true });
        if (this.activationMs !== undefined) this.channel.info(activationLine(this.activationMs));
      } catch (err) {
        this.failed = true;
        console.error('Agent Relay: could not create its log channel', err);
      }
    }
    return this.channel ?? nullLogger;
  }

  forRun(runId: string): Logger {
    let logger = this.perRun.get(runId);
    if (!logger) {
      logger = withPrefix(this.root, `[run ${runId.slice(0, 8)}]`);
      this.perRun.set(runId, logger);
    }
    return logger;
  }

  release(runId: string): void {
    this.perRun.delete(runId);
  }

  show(): void {
    this.root;
    this.channel?.show(true);
  }

  dispose(): void {
    this.channel?.dispose();
    this.perRun.clear();
  }
}

function activationLine(ms: number): string {
  return `activated in ${ms} ms (from loading the bundle to activate() returning)`;
}
