import * as vscode from 'vscode';
import { decodeSecret, encodeSecret, newCacheSecret, ResponseCache, workspaceId, type CacheSecret, type CachePolicy, type WorkspaceCache } from '../core/cache';
import type { Logger } from '../core/log';
import { inertMessage } from './inertText';

const SECRET_KEY = 'agentRelay.cache.secret';

/** Cache settings, read fresh. */
export function cacheSettings(): { enabled: boolean; policy: CachePolicy; maxTotalBytes: number } {
  const c = vscode.workspace.getConfiguration('agentRelay.cache');
  return {
    enabled: c.get<boolean>('enabled', true),
    maxTotalBytes: Math.max(1, c.get<number>('maxSizeMB', 100)) * 1024 * 1024,
    policy: {
      mode: c.get<'readOnlyOnly' | 'allSuccessful'>('policy', 'readOnlyOnly'),
      excludedAgents: c.get<string[]>('excludeAgents', []),
      ttlMs: Math.max(0.01, c.get<number>('ttlHours', 24)) * 3600_000,
      maxEntryBytes: Math.max(1, c.get<number>('maxEntryKB', 4096)) * 1024,
      workspaceFingerprint: c.get<boolean>('workspaceFingerprint', true),
    },
  };
}

/**
 * The response cache for this window, opened on first use (a run, the status
 * bar's first refresh, or a cache command) under the extension's global
 * storage. Its secret lives in SecretStorage: generated on first use; when
 * several windows start at once each stores one and then all adopt whatever
 * the storage ended up holding (entries signed with a losing secret are plain
 * misses, never "tampered").
 */
export class CacheService implements vscode.Disposable {
  private opening: Promise<ResponseCache | undefined> | undefined;
  private sweeps: { dispose(): void } | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly logger: () => Logger,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('agentRelay.cache')) return;
        const s = cacheSettings();
        if (!s.enabled) void this.close();
        else void this.opening?.then((c) => c?.setPolicy(s.policy));
        this.changed();
      }),
      // Another window replaced the secret: reopen with it next time.
      context.secrets.onDidChange((e) => e.key === SECRET_KEY && void this.close()),
    );
  }

  /** Called when stats or state may have changed (the status bar and Cache view listen). */
  onDidChange(listener: () => void): vscode.Disposable {
    this.listeners.add(listener);
    return new vscode.Disposable(() => this.listeners.delete(listener));
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** This window's workspace id; undefined without a folder (nothing is cached then). */
  workspaceId(): string | undefined {
    return workspaceId({
      workspaceFile: vscode.workspace.workspaceFile?.toString(), // an untitled one is ignored by workspaceId
      folders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()),
    });
  }

  /** The open cache, or undefined when it is turned off in settings or could not be opened. */
  cache(): Promise<ResponseCache | undefined> {
    if (!cacheSettings().enabled) return Promise.resolve(undefined);
    return (this.opening ??= this.open());
  }

  async workspace(): Promise<WorkspaceCache | undefined> {
    const id = this.workspaceId();
    const cache = await this.cache();
    return id && cache ? cache.workspace(id) : undefined;
  }

  private async open(): Promise<ResponseCache | undefined> {
    try {
      const settings = cacheSettings();
      const cache = await ResponseCache.open({
        root: this.context.globalStorageUri.fsPath,
        secret: await this.secret(),
        policy: settings.policy,
        maxTotalBytes: settings.maxTotalBytes,
        logger: this.logger(),
        onWarning: (message) => {
          this.logger().warn(`cache: ${message}`);
          const openSettings = vscode.l10n.t('Open Settings');
          const text = vscode.l10n.t({ message: 'Agent Relay: {0} Runs go on without the response cache.', args: [inertMessage(message)], comment: '{0} is a sentence from the cache saying what went wrong (not translated)' });
          void vscode.window.showWarningMessage(text, openSettings).then((choice) => {
            if (choice === openSettings) void vscode.commands.executeCommand('workbench.action.openSettings', 'agentRelay.cache');
          });
        },
      });
      cache.onActivity(() => this.changed());
      this.sweeps = cache.startBackgroundSweeps();
      this.logger().info(`cache: opened under ${this.context.globalStorageUri.fsPath} (${cache.state.on ? 'on' : `off: ${cache.state.reason}`})`);
      return cache;
    } catch (err) {
      this.logger().error(`cache: could not open: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  private async secret(): Promise<CacheSecret> {
    const stored = await this.context.secrets.get(SECRET_KEY);
    if (stored) {
      try {
        return decodeSecret(stored);
      } catch {
        this.logger().warn('cache: the stored secret is unreadable; making a new one (old entries will miss)');
      }
    }
    await this.context.secrets.store(SECRET_KEY, encodeSecret(newCacheSecret()));
    // Windows racing on first use converge on whichever secret the storage kept.
    await new Promise((r) => setTimeout(r, 50));
    return decodeSecret((await this.context.secrets.get(SECRET_KEY))!);
  }

  private async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    this.sweeps?.dispose();
    this.sweeps = undefined;
    await (await opening)?.close();
    this.changed();
  }

  /** Flushes statistics; VS Code gives deactivate a few seconds. */
  async dispose(): Promise<void> {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.listeners.clear();
    await this.close();
  }
}
