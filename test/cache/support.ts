// Shared by the cache's unit tests and its multi-process tests.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentEvent, RunOutcome } from '../../src/core/agents/events';
import { cacheKey, type CacheKey, type CacheKeyInput } from '../../src/core/cache/cacheKey';
import type { CachedRun } from '../../src/core/cache/cachedRun';
import { cacheSecretFromKey, type CacheSecret } from '../../src/core/cache/cacheSecret';
import { nodeFs, type CacheFs } from '../../src/core/cache/fsLike';
import { ResponseCache, type ResponseCacheOptions } from '../../src/core/cache/responseCache';

export const ROOT = path.resolve(__dirname, '../../..');

/** Fixed secrets, so separate processes agree. */
export const SECRET: CacheSecret = cacheSecretFromKey(Buffer.alloc(32, 7));
export const OTHER_SECRET: CacheSecret = cacheSecretFromKey(Buffer.alloc(32, 9));
export const WS = 'a'.repeat(32);

export function tempDir(prefix = 'arc-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A settable clock; starts near real time (lru-cache reads a start of 0 as "no TTL", and mtimes are real). */
export function testClock(start = Date.now()) {
  let t = start;
  const clock = () => t;
  clock.advance = (ms: number) => (t += ms);
  clock.set = (ms: number) => (t = ms);
  return clock;
}

export function keyInput(over: Partial<CacheKeyInput> = {}): CacheKeyInput {
  return {
    workspaceId: WS,
    agentId: 'claude',
    agentVersion: '2.1.197',
    provider: 'cli',
    endpoint: null,
    model: 'claude-sonnet-4-5-20250929',
    permissionMode: 'plan',
    tools: { allowed: [] },
    systemPrompt: null,
    prompt: 'Explain the build',
    sampling: {},
    workspaceState: { head: 'c0ffee', changes: 'e3b0' },
    ...over,
  };
}

export const key = (name: string, over: Partial<CacheKeyInput> = {}): CacheKey => cacheKey(keyInput({ prompt: name, ...over }));

export function sampleRun(text = 'The answer.', over: Partial<RunOutcome> = {}): CachedRun {
  const events: AgentEvent[] = [
    { type: 'started', agentId: 'claude', model: 'sonnet' },
    { type: 'text', text },
    { type: 'usage', inputTokens: 1000, outputTokens: 200, costUsd: 0.0123, durationMs: 4200 },
  ];
  return { agentId: 'claude', events, outcome: { status: 'succeeded', durationMs: 4200, result: text, ...over }, saved: { ms: 4200, tokens: 1200, costUsd: 0.0123 } };
}

export async function openCache(root: string, over: Partial<ResponseCacheOptions> = {}): Promise<ResponseCache> {
  return ResponseCache.open({ root, secret: SECRET, sweepAfterBytes: 0, statsFlushDelayMs: 5, retry: { attempts: 3, baseDelayMs: 1 }, ...over });
}

export { listFiles } from '../support/cacheFiles';

export type FsOp = keyof CacheFs;

/**
 * A file system that fails on demand: `fault(op, file)` returns an errno code
 * to throw (e.g. 'ENOSPC') or undefined to pass through. Records every call.
 */
export function faultyFs(fault: (op: FsOp, file: string) => string | undefined, base: CacheFs = nodeFs): CacheFs & { calls: { op: FsOp; file: string; error?: string }[] } {
  const calls: { op: FsOp; file: string; error?: string }[] = [];
  const wrap =
    <A extends unknown[], R>(op: FsOp, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const file = String(args[0]);
      const code = fault(op, file);
      calls.push({ op, file, error: code });
      if (code) throw Object.assign(new Error(`${code}: injected on ${op} ${file}`), { code });
      return fn(...args);
    };
  return {
    calls,
    readFile: wrap('readFile', base.readFile),
    writeFile: wrap('writeFile', base.writeFile),
    rename: wrap('rename', base.rename),
    link: wrap('link', base.link),
    unlink: wrap('unlink', base.unlink),
    mkdir: wrap('mkdir', base.mkdir),
    rmdir: wrap('rmdir', base.rmdir),
    readdir: wrap('readdir', base.readdir),
    lstat: wrap('lstat', base.lstat),
    utimes: wrap('utimes', base.utimes),
    chmod: wrap('chmod', base.chmod),
  };
}
