import { spawn, type ChildProcess } from 'node:child_process';
import { descendantsOf, isAlive, killProcessTree, signalGroup } from './processTree';

export interface ProcessSpec {
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  stdin?: string;
}

export interface ProcessExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when the process never started (ENOENT, EACCES, …). */
  spawnError?: NodeJS.ErrnoException;
}

const STDERR_KEEP = 64 * 1024;

/**
 * One agent process and everything it starts. It leads its own process group
 * (POSIX) so the whole tree can be signalled and killed; no shell is involved
 * and arguments stay an array. Whatever the tree leaves running when the root
 * exits is killed too, so a run never leaves processes behind.
 */
export class AgentProcess {
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  private stderrTail = '';
  private finished = false;

  private constructor(spec: ProcessSpec, onStdout: (chunk: Buffer) => void) {
    this.child = spawn(spec.command, spec.args as string[], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
      shell: false,
    });
    this.child.stdout!.on('data', onStdout);
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_KEEP);
    });
    // EPIPE when the process exits before reading its prompt is not our error to raise.
    this.child.stdin!.on('error', () => undefined);
    this.child.stdin!.end(spec.stdin ?? '');

    this.exited = new Promise<ProcessExit>((resolve) => {
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        if (this.child.pid === undefined) {
          this.finished = true;
          resolve({ exitCode: null, signal: null, spawnError: err });
        }
      });
      this.child.once('exit', (exitCode, signal) => {
        this.finished = true;
        // Orphans the agent left (background shells, servers) go with it.
        if (this.child.pid !== undefined) killProcessTree(this.child.pid);
        // Drain what is still buffered in the pipes before reporting the end.
        waitForClose(this.child, 2000).then(() => resolve({ exitCode, signal }));
      });
    });
  }

  static start(spec: ProcessSpec, onStdout: (chunk: Buffer) => void): AgentProcess {
    return new AgentProcess(spec, onStdout);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  /**
   * Asks the process to stop with `signal`, waits up to `graceMs`, then kills
   * the whole tree. Resolves when the root has exited.
   */
  async stop(signal: NodeJS.Signals, graceMs: number): Promise<ProcessExit> {
    const pid = this.child.pid;
    if (pid === undefined || this.finished) return this.exited;
    // Children in process groups of their own (an agent's shell commands) miss the
    // group signal, and once the root exits they are orphans that parent links no
    // longer reach: remember them now, and kill whatever of them outlives the root.
    const tree = process.platform === 'win32' ? [] : descendantsOf(pid);
    signalGroup(pid, signal);
    const timer = new Promise<'timeout'>((r) => setTimeout(r, process.platform === 'win32' ? 0 : graceMs, 'timeout').unref());
    if ((await Promise.race([this.exited, timer])) === 'timeout') killProcessTree(pid);
    const exit = await this.exited;
    for (const p of tree) if (isAlive(p)) killProcessTree(p);
    return exit;
  }

  /** Kills the tree now, synchronously (for `deactivate`). */
  kill(): void {
    if (this.child.pid !== undefined && !this.finished) killProcessTree(this.child.pid);
  }
}

function waitForClose(child: ChildProcess, capMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false) return resolve();
    const timer = setTimeout(resolve, capMs);
    timer.unref();
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
