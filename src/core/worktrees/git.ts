import { execFile } from 'node:child_process';

/** Output bound for one git command (a patch of a run's edits is the largest). */
const MAX_OUTPUT = 256 * 1024 * 1024;

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    readonly code: number | string | null,
  ) {
    super(`git ${args[0]} failed${code !== null ? ` (${code})` : ''}: ${stderr.trim().split('\n').slice(-3).join(' ') || 'no output'}`);
  }
}

export interface GitOptions {
  cwd: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Written to git's stdin (a patch). */
  input?: string | Buffer;
}

/**
 * Runs git with an argument list (never a shell line: paths and names from
 * anywhere stay arguments) and resolves with its stdout. Prompts and pagers
 * are off: a git that would ask fails instead of waiting.
 */
export function git(bin: string, args: readonly string[], opts: GitOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, ...opts.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C' };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = execFile(bin, [...args], { cwd: opts.cwd, env, maxBuffer: MAX_OUTPUT, windowsHide: true, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new GitError(args, String(stderr || err.message), (err as { code?: number | string }).code ?? null));
      else resolve(String(stdout));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}
