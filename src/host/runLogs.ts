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

  get root(): Logger {
    if (!this.channel && !this.failed) {
      try {
        this.channel = vscode.window.createOutputChannel('Agent Relay', { log: true });
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
