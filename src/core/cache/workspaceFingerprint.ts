import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { nodeFs } from './fsLike';

/**
 * What an agent could have read in a git workspace: the commit checked out and
 * a hash of everything that differs from it (staged, unstaged and untracked).
 * Part of the cache key, so an answer about code that has since changed is not
 * reused. Ignored files are not covered.
 */
export interface WorkspaceState {
  /** Commit id of HEAD, or `unborn` in a repository without commits. */
  head: string;
  /** SHA-256 hex of the uncommitted and untracked changes. */
  changes: string;
}

export interface FingerprintOptions {
  git?: string;
  /** For all git calls and file reads together. */
  timeoutMs?: number;
  /** Untracked files larger than this are hashed by size and mtime instead of content. */
  maxFileBytes?: number;
  /** Content budget across untracked files; past it, size and mtime. */
  maxTotalBytes?: number;
  /** A bigger diff than this is not fingerprinted (the run is then not cached). */
  maxDiffBytes?: number;
  env?: NodeJS.ProcessEnv;
}

const DEFAULTS = { timeoutMs: 5000, maxFileBytes: 1 << 20, maxTotalBytes: 32 << 20, maxDiffBytes: 64 << 20 };

class Unfingerprintable extends Error {}

/**
 * Runs git with a deadline, feeding stdout to `onData` (so a large diff is
 * hashed as it streams, never held whole). Resolves with the exit code.
 */
function git(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, deadline: number, onData: (chunk: Buffer) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(new Unfingerprintable('timed out'));
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Unfingerprintable('timed out'));
    }, remaining);
    child.stdout.on('data', (c: Buffer) => {
      try {
        onData(c);
      } catch (err) {
        child.kill('SIGKILL');
        reject(err);
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Unfingerprintable(err.message));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code ?? -1);
    });
  });
}

async function gitText(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, deadline: number, maxBytes = 16 << 20): Promise<{ code: number; out: Buffer }> {
  const chunks: Buffer[] = [];
  let n = 0;
  const code = await git(bin, args, cwd, env, deadline, (c) => {
    n += c.length;
    if (n > maxBytes) throw new Unfingerprintable('output too large');
    chunks.push(c);
  });
  return { code, out: Buffer.concat(chunks) };
}

/** Untracked paths from `git status --porcelain=v1 -z` (relative to the repository root). */
export function untrackedFromStatus(status: Buffer): string[] {
  const records = status.toString('utf8').split('\0');
  const out: string[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r.length < 4) continue;
    if (r.startsWith('?? ')) out.push(r.slice(3));
    else if (r[0] === 'R' || r[0] === 'C') i++; // the next record is the rename's source
  }
  return out.sort();
}

/**
 * The git state of `dir` (see WorkspaceState), or undefined when it cannot be
 * had: not a git work tree, git missing, too slow, or a diff too big. The
 * caller then does not cache runs of agents that read files.
 */
export async function workspaceFingerprint(dir: string, options: FingerprintOptions = {}): Promise<WorkspaceState | undefined> {
  const o = { ...DEFAULTS, ...options };
  const bin = o.git ?? 'git';
  const deadline = Date.now() + o.timeoutMs;
  const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env), GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
  // Only the folder decides which repository this is.
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_CEILING_DIRECTORIES']) delete env[k];
  try {
    const top = await gitText(bin, ['rev-parse', '--show-toplevel'], dir, env, deadline);
    if (top.code !== 0) return undefined;
    const root = top.out.toString('utf8').trim();
    const headOut = await gitText(bin, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], root, env, deadline);
    const head = headOut.code === 0 ? headOut.out.toString('utf8').trim() : 'unborn';

    const status = await gitText(bin, ['status', '--porcelain=v1', '-z', '--untracked-files=all'], root, env, deadline);
    if (status.code !== 0) return undefined;

    const h = createHash('sha256');
    h.update('status\0').update(status.out);
    let diffBytes = 0;
    const feed = (c: Buffer) => {
      diffBytes += c.length;
      if (diffBytes > o.maxDiffBytes) throw new Unfingerprintable('diff too large');
      h.update(c);
    };
    const diffArgs = ['diff', '--binary', '--no-ext-diff', '--no-textconv', '--no-color', '--full-index'];
    const diffs = head === 'unborn' ? [[...diffArgs, '--cached'], diffArgs] : [[...diffArgs, 'HEAD']];
    for (const args of diffs) {
      h.update('\0diff\0');
      if ((await git(bin, args, root, env, deadline, feed)) !== 0) return undefined;
    }

    let budget = o.maxTotalBytes;
    h.update('\0untracked\0');
    for (const rel of untrackedFromStatus(status.out)) {
      if (Date.now() > deadline) return undefined;
      const file = path.join(root, rel);
      h.update(rel).update('\0');
      try {
        const st = await fsp.lstat(file);
        if (st.isSymbolicLink()) h.update(`link:${await fsp.readlink(file)}`);
        else if (st.isFile() && st.size <= o.maxFileBytes && st.size <= budget) {
          // Bounded, no link, no blocking: a FIFO or a bigger file swapped in since the lstat is refused ("gone"), not read.
          const { bytes } = await nodeFs.readFile(file, { maxBytes: Math.min(o.maxFileBytes, budget) });
          budget -= bytes.length;
          h.update(bytes);
        } else h.update(`stat:${st.size}:${st.mtimeMs}:${st.isDirectory() ? 'd' : 'f'}`);
      } catch {
        h.update('gone'); // deleted between status and now: still a distinct state
      }
      h.update('\0');
    }
    return { head, changes: h.digest('hex') };
  } catch (err) {
    if (err instanceof Unfingerprintable) return undefined;
    throw err;
  }
}
