import * as path from 'node:path';
import type { SeqEvent } from '../agents/events';
import { writeAtomic } from '../cache/atomicWrite';
import { CacheTree } from '../cache/cacheTree';
import { errorCode, nodeFs, type CacheFs } from '../cache/fsLike';
import type { Logger } from '../log';
import { decodeLog, encodeLog, isRunId, parseHistoryRecord, type HistoryRecord } from './historyRecord';
import { encodeWindowSamples, parseWindowSamples, WINDOW_SAMPLES_FILE, WINDOW_SAMPLES_MAX_BYTES, type WindowSample } from './windowSamples';

export const HISTORY_DIR_NAME = 'run-history-v1';

/** Bounds on what one workspace's history keeps: the oldest runs go first. */
export interface HistoryBounds {
  maxRuns: number;
  maxBytes: number;
}

export const DEFAULT_BOUNDS: HistoryBounds = { maxRuns: 500, maxBytes: 200 * 1024 * 1024 };

/** Run ids as they may reach a path: ours are UUIDs; an id from a command line is checked against this. */
const RECORD_NAME = /^(\d{13})-([A-Za-z0-9][A-Za-z0-9._-]{0,63})\.json$/;
const RECORD_MAX_BYTES = 256 * 1024;

export { isRunId };

/** What a listing found: the records, newest first, and what it had to skip. */
export interface HistoryListing {
  records: HistoryRecord[];
  /** Files that are damaged, of another version, links or not files: reported, skipped, never a crash. */
  skipped: string[];
}

/**
 * The finished runs of every workspace, on disk under `<root>/run-history-v1`:
 * the same folder for every VS Code window and for the headless CLI (its
 * `--storage`), read when first needed. Nothing here follows a link or
 * trusts what it finds (see the response cache's CacheTree and CacheFs).
 */
export class HistoryStore {
  readonly base: string;
  private readonly tree: CacheTree;
  private readonly workspaces = new Map<string, WorkspaceHistory>();

  constructor(
    root: string,
    private readonly opts: { fs?: CacheFs; logger?: Logger; bounds?: HistoryBounds } = {},
  ) {
    this.base = path.join(root, HISTORY_DIR_NAME);
    this.tree = new CacheTree(opts.fs ?? nodeFs, this.base);
  }

  workspace(workspaceId: string): WorkspaceHistory {
    if (!/^[0-9a-f]{16,64}$/.test(workspaceId)) throw new TypeError(`not a workspace id: ${workspaceId}`);
    let ws = this.workspaces.get(workspaceId);
    if (!ws) this.workspaces.set(workspaceId, (ws = new WorkspaceHistory(this.tree, path.join(this.base, 'workspaces', workspaceId), this.opts.bounds ?? DEFAULT_BOUNDS, this.opts.logger)));
    return ws;
  }
}

/**
 * One workspace's history. Each run is two immutable files, written whole or
 * not at all (a temporary file renamed into place): its event log, then its
 * record, so a record always has its log. A crash loses at most the run
 * being written (its log without a record is an orphan a later trim
 * removes). Windows write different files and never lock; two trims at once
 * are harmless. Bounded: past `maxRuns` or `maxBytes` the oldest go.
 */
export class WorkspaceHistory {
  private readonly runs: string;
  private readonly logs: string;
  private readonly sizes = new Map<string, number>();

  constructor(
    private readonly tree: CacheTree,
    readonly dir: string,
    private readonly bounds: HistoryBounds,
    private readonly logger?: Logger,
  ) {
    this.runs = path.join(dir, 'runs');
    this.logs = path.join(dir, 'logs');
  }

  private get fs(): CacheFs {
    return this.tree.fs;
  }

  /** Keeps a finished run: its log, then its record; then trims. */
  async write(record: HistoryRecord, events: readonly SeqEvent[]): Promise<void> {
    if (!isRunId(record.id)) throw new TypeError(`not a run id: ${record.id}`);
    await writeAtomic(this.fs, path.join(this.logs, `${record.id}.jsonl`), Buffer.from(encodeLog(events)), { tree: this.tree });
    await writeAtomic(this.fs, path.join(this.runs, `${String(record.finishedAt).padStart(13, '0')}-${record.id}.json`), Buffer.from(JSON.stringify(record)), { tree: this.tree });
    await this.trim();
  }

  /** Every record, newest first; damaged ones are skipped and reported. */
  async list(): Promise<HistoryListing> {
    const skipped: string[] = [];
    const records: HistoryRecord[] = [];
    for (const name of (await this.recordNames()).reverse()) {
      const record = await this.readRecord(name);
      if (record) records.push(record);
      else skipped.push(this.tree.rel(path.join(this.runs, name)));
    }
    if (skipped.length) this.logger?.warn(`history: skipped ${skipped.length} damaged or foreign file(s): ${skipped.slice(0, 5).join(', ')}`);
    return { records, skipped };
  }

  /** One run's record, or undefined. */
  async get(id: string): Promise<HistoryRecord | undefined> {
    if (!isRunId(id)) return undefined;
    const name = (await this.recordNames()).find((n) => RECORD_NAME.exec(n)?.[2] === id);
    return name ? this.readRecord(name) : undefined;
  }

  /** A run's events with a sequence number greater than `afterSeq`; undefined when the run is not in the history. */
  async readEvents(id: string, afterSeq = 0): Promise<SeqEvent[] | undefined> {
    if (!isRunId(id)) return undefined;
    try {
      const { bytes } = await this.fs.readFile(path.join(this.logs, `${id}.jsonl`), { maxBytes: this.bounds.maxBytes });
      return decodeLog(bytes.toString('utf8')).filter((e) => e.seq > afterSeq);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') this.logger?.warn(`history: cannot read the log of ${id}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /** The windows' samples of this workspace, oldest first (core/history/windowSamples.ts). */
  async windowSamples(): Promise<WindowSample[]> {
    try {
      const { bytes } = await this.fs.readFile(path.join(this.dir, WINDOW_SAMPLES_FILE), { maxBytes: WINDOW_SAMPLES_MAX_BYTES });
      return parseWindowSamples(bytes.toString('utf8'));
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') this.logger?.warn(`history: cannot read the window samples: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  }

  /**
   * Adds a window's sample (the oldest go past the bound). Two windows adding
   * at the same moment may lose one of the two samples, never the file: it is
   * replaced whole.
   */
  async addWindowSample(sample: WindowSample): Promise<void> {
    const samples = [...(await this.windowSamples()), sample];
    await writeAtomic(this.fs, path.join(this.dir, WINDOW_SAMPLES_FILE), Buffer.from(encodeWindowSamples(samples)), { tree: this.tree });
  }

  /** Removes a run (its record first, so it leaves every listing at once). Returns whether it was there. */
  async delete(id: string): Promise<boolean> {
    if (!isRunId(id)) return false;
    const names = (await this.recordNames()).filter((n) => RECORD_NAME.exec(n)?.[2] === id);
    for (const name of names) await this.tree.remove(path.join(this.runs, name));
    await this.tree.remove(path.join(this.logs, `${id}.jsonl`));
    return names.length > 0;
  }

  /** Drops the oldest runs past the bounds, and logs left without a record (a crash between the two writes) after an hour. */
  async trim(now = Date.now()): Promise<void> {
    const names = await this.recordNames();
    // A run's two files never change once written, so their sizes are looked up once per window.
    const sizes = await Promise.all(
      names.map(async (name) => {
        const known = this.sizes.get(name);
        if (known !== undefined) return known;
        const id = RECORD_NAME.exec(name)![2];
        const [r, l] = await Promise.all([this.tree.lstatOrUndefined(path.join(this.runs, name)), this.tree.lstatOrUndefined(path.join(this.logs, `${id}.jsonl`))]);
        const size = (r?.size ?? 0) + (l?.size ?? 0);
        if (r && l) this.sizes.set(name, size);
        return size;
      }),
    );
    const present = new Set(names);
    for (const name of this.sizes.keys()) if (!present.has(name)) this.sizes.delete(name);
    let total = sizes.reduce((a, b) => a + b, 0);
    let count = names.length;
    for (let i = 0; i < names.length && (count > this.bounds.maxRuns || total > this.bounds.maxBytes); i++) {
      await this.delete(RECORD_NAME.exec(names[i])![2]);
      total -= sizes[i];
      count--;
    }
    const kept = new Set(names.slice(names.length - count).map((n) => RECORD_NAME.exec(n)![2]));
    for (const e of await this.readdir(this.logs)) {
      const id = e.name.endsWith('.jsonl') ? e.name.slice(0, -'.jsonl'.length) : undefined;
      if (id && kept.has(id)) continue;
      const st = await this.tree.lstatOrUndefined(path.join(this.logs, e.name));
      if (st && now - st.mtimeMs > 3600_000) await this.tree.remove(path.join(this.logs, e.name));
    }
  }

  /** Record file names, oldest first (their names start with the finish time). */
  private async recordNames(): Promise<string[]> {
    return (await this.readdir(this.runs))
      .filter((e) => e.type === 'file' && RECORD_NAME.test(e.name))
      .map((e) => e.name)
      .sort();
  }

  private async readdir(dir: string) {
    if ((await this.tree.checkDir(dir)) !== undefined) return [];
    try {
      return await this.fs.readdir(dir);
    } catch (err) {
      if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return [];
      throw err;
    }
  }

  private async readRecord(name: string): Promise<HistoryRecord | undefined> {
    try {
      const { bytes } = await this.fs.readFile(path.join(this.runs, name), { maxBytes: RECORD_MAX_BYTES });
      const record = parseHistoryRecord(bytes);
      return record && RECORD_NAME.exec(name)?.[2] === record.id ? record : undefined;
    } catch {
      return undefined;
    }
  }
}
