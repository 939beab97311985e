import type { Detection } from './cliLocator';

/**
 * Detections cached per workspace folder and agent. A pending lookup is shared,
 * so ten runs started at once search the disk once. Callers clear it when a
 * relevant setting or the workspace folders change, or on "Re-detect Agents".
 */
export class DetectionCache {
  private readonly entries = new Map<string, Promise<Detection>>();

  get(workspaceKey: string, agentId: string, detect: () => Promise<Detection>): Promise<Detection> {
    const key = `${workspaceKey}\0${agentId}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = detect();
      this.entries.set(key, entry);
      // A failed search is not remembered: the user may install the CLI right now.
      entry.then(
        (d) => !d.found && this.entries.get(key) === entry && this.entries.delete(key),
        () => this.entries.get(key) === entry && this.entries.delete(key),
      );
    }
    return entry;
  }

  /** Forgets one agent everywhere, or everything. */
  clear(agentId?: string): void {
    if (agentId === undefined) return this.entries.clear();
    for (const key of [...this.entries.keys()]) if (key.endsWith(`\0${agentId}`)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
