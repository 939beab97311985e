import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheStatsTable, loadHeadlessSecret, RefusedPath, ResponseCache, workspaceId, type CacheSecret } from '../core/cache';
import type { Logger } from '../core/log';
import type { CliArgs } from './args';

/**
 * The headless cache lives in a folder of its own, never in VS Code's global
 * storage: XDG_CACHE_HOME (or ~/.cache) on Linux, ~/Library/Caches on macOS,
 * %LOCALAPPDATA% on Windows.
 */
export function defaultStorage(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (platform === 'win32') return path.win32.join(env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local'), 'agent-relay', 'cache');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Caches', 'agent-relay');
  return path.posix.join(env.XDG_CACHE_HOME || path.posix.join(home, '.cache'), 'agent-relay');
}

/** The workspace id of a folder, the same one a VS Code window on that folder uses. */
export function folderWorkspaceId(dir: string): string {
  return workspaceId({ folders: [pathToFileURL(path.resolve(dir)).toString()] })!;
}

export async function openHeadlessCache(storage: string, opts: { createSecret: boolean; logger?: Logger }): Promise<{ cache: ResponseCache; secret: CacheSecret; source: string }> {
  const { secret, source } = await loadHeadlessSecret({ root: storage, create: opts.createSecret });
  const cache = await ResponseCache.open({ root: storage, secret, logger: opts.logger, onWarning: (m) => process.stderr.write(`agent-relay: ${m} Running without the cache.\n`) });
  return { cache, secret, source };
}

/** `cache stats|verify|clear`: prints a report; returns the exit code. */
export async function runCacheCommand(args: Extract<CliArgs, { command: 'cache' }>): Promise<number> {
  const storage = path.resolve(args.storage ?? defaultStorage());
  // Reading and checking must never mint a key file: entries signed with a secret we
  // do not hold are then reported as unverifiable and left alone.
  const { cache, source } = await openHeadlessCache(storage, { createSecret: false });
  const id = folderWorkspaceId(args.cwd);
  const print = (value: unknown, text: string) => process.stdout.write(args.json ? `${JSON.stringify(value)}\n` : `${text}\n`);
  try {
    switch (args.action) {
      case 'stats': {
        const report = await cache.stats();
        const mine = report.workspaces.find((w) => w.workspaceId === id);
        const chosen = args.all ? report.total : (mine ?? { ...report.total, ...zeroLike(report.total) });
        print(
          { storage, workspaceId: args.all ? undefined : id, ...chosen, workspaces: args.all ? report.workspaces : undefined },
          cacheStatsTable(chosen, args.all ? `All workspaces under ${storage}` : `${path.resolve(args.cwd)} (${storage})`),
        );
        return 0;
      }
      case 'verify': {
        const report = args.all ? await cache.verify() : await cache.workspace(id).verify();
        const note = source === 'ephemeral' ? ' (no secret found: every entry is unverifiable and was left alone)' : '';
        const summary = `checked ${report.checked}, valid ${report.valid}, removed ${report.removed}, expired removed ${report.expiredRemoved}, unverifiable ${report.unverifiable}${note}`;
        print({ storage, ...report, secret: source }, [summary, ...layoutLines('repaired', report.repaired, report.problems), ...layoutLines('left alone', report.skipped, report.problems)].join('\n'));
        return 0;
      }
      case 'clear': {
        try {
          if (args.all) await cache.clear({ stats: true });
          else await cache.workspace(id).clear({ stats: true });
        } catch (err) {
          // Never through a link: a damaged layout is verify's to repair first.
          if (!(err instanceof RefusedPath)) throw err;
          process.stderr.write(`agent-relay: cannot clear the cache: ${err.message}. \`agent-relay cache verify\` repairs the cache folder.\n`);
          return 1;
        }
        print({ storage, cleared: args.all ? 'all' : id }, `cleared ${args.all ? 'every workspace' : path.resolve(args.cwd)} in ${storage}`);
        return 0;
      }
    }
  } finally {
    await cache.close();
  }
}

/** What verify did to the folder layout, one path a line (paths are relative to the cache folder). */
function layoutLines(what: string, paths: readonly string[], problems: Readonly<Record<string, string>>, max = 50): string[] {
  if (!paths.length) return [];
  const shown = paths.slice(0, max).map((p) => `  ${p}: ${problems[p] ?? ''}`);
  if (paths.length > max) shown.push(`  … and ${paths.length - max} more (--json lists them all)`);
  return [`${what} ${paths.length}:`, ...shown];
}

function zeroLike<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? 0 : v])) as T;
}
