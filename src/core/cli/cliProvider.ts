import { promises as fs } from 'node:fs';
import type { CliAgentSpec } from '../agents/cliAgent';
import type { RunOutcome } from '../agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../agents/provider';
import type { Detection } from '../locate/cliLocator';
import { isTransientStatus, statusReason, transientReasonInText } from '../agents/transient';
import { AgentProcess } from '../process/agentProcess';
import { agentEnvironment } from './agentEnvironment';
import { StdoutReader } from './stdoutReader';

export interface CliProviderOptions {
  /** Finds the executable (cached by the caller). */
  locate(): Promise<Detection>;
  /** The environment the agent inherits. */
  baseEnv?: NodeJS.ProcessEnv;
  /** How long a stopping agent gets before its tree is killed. */
  graceMs?: number;
}

/** Runs an agent CLI as a child process and parses its JSON Lines stdout. */
export class CliAgentProvider implements AgentProvider {
  constructor(
    private readonly spec: CliAgentSpec,
    private readonly opts: CliProviderOptions,
  ) {}

  get id(): string {
    return this.spec.id;
  }

  get displayName(): string {
    return this.spec.displayName;
  }

  async run(request: RunRequest, ctx: RunContext): Promise<RunOutcome> {
    const started = Date.now();
    const detection = await this.opts.locate();
    // A detection made before this run began came from the cache of detections.
    ctx.measure?.({ detection: { ms: Date.now() - started, cached: (detection.detectedAt ?? started) < started } });
    if (!detection.found) {
      ctx.emit({ type: 'error', message: detection.message });
      return { status: 'failed', message: detection.message, durationMs: Date.now() - started };
    }
    ctx.logger.info(`${this.spec.displayName} at ${detection.path} (found by ${detection.foundBy})`);
    void detection.version().then((v) => ctx.logger.info(`${this.spec.displayName} version: ${v ?? 'unknown'}`));

    if (!(await isDirectory(request.cwd))) {
      const message = `The working folder ${request.cwd} does not exist or is not a folder.`;
      ctx.emit({ type: 'error', message });
      return { status: 'failed', message, durationMs: Date.now() - started };
    }
    const invocation = this.spec.invocation(request.prompt, request.options);
    const env = agentEnvironment(this.opts.baseEnv ?? process.env, invocation.env, request.cwd);
    const args = [...detection.launch.argsPrefix, ...invocation.args];
    ctx.logger.debug(`spawn ${detection.launch.command} ${JSON.stringify(args)} in ${request.cwd}`);

    if (ctx.signal.aborted) return { status: ctx.signal.reason === 'timed-out' ? 'timed-out' : 'cancelled', durationMs: 0 };
    const parser = this.spec.createParser(ctx.emit);
    // A line past the bound ends the run: the reader stops and the tree is killed, so memory stays bounded.
    const reader = new StdoutReader(parser, ctx.logger, request.maxLineChars, () => proc.kill());
    const spawnedAt = performance.now();
    let firstByte = false;
    const proc: AgentProcess = AgentProcess.start({ command: detection.launch.command, args, cwd: request.cwd, env, stdin: invocation.stdin }, (chunk) => {
      if (!firstByte) {
        firstByte = true;
        ctx.measure?.({ spawnToFirstByteMs: Math.round((performance.now() - spawnedAt) * 10) / 10 });
      }
      reader.push(chunk);
    });
    ctx.onProcess?.(() => proc.kill(), proc.pid);
    ctx.logger.info(`started pid ${proc.pid ?? '?'}`);

    let stoppedBy: 'cancelled' | 'timed-out' | undefined;
    const onAbort = () => {
      stoppedBy = ctx.signal.reason === 'timed-out' ? 'timed-out' : 'cancelled';
      ctx.logger.info(`stopping (${stoppedBy}): ${this.spec.gracefulSignal}, then tree kill`);
      void proc.stop(this.spec.gracefulSignal, this.opts.graceMs ?? 3000);
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    const exit = await proc.exited;
    ctx.signal.removeEventListener('abort', onAbort);
    reader.end();
    ctx.logger.info(`process ended: code ${exit.exitCode} signal ${exit.signal}`);
    if (proc.stderr.trim()) ctx.logger.debug(`stderr: ${proc.stderr.slice(-4000)}`);

    // A process that never started is the same failure for every agent; only a run is the parser's to judge.
    if (exit.spawnError) {
      const message = spawnErrorMessage(this.spec, detection.path, exit.spawnError);
      ctx.emit({ type: 'error', message });
      return { status: 'failed', message, exitCode: null, signal: null, durationMs: Date.now() - started };
    }
    if (reader.overflow && !stoppedBy) {
      const message = `${this.spec.displayName} was stopped: ${reader.overflow.message}.`;
      ctx.emit({ type: 'error', message });
      return { status: 'failed', message, exitCode: exit.exitCode, signal: exit.signal, durationMs: Date.now() - started };
    }
    const outcome = parser.finish({ exitCode: exit.exitCode, signal: exit.signal, stoppedBy, stderrTail: proc.stderr, durationMs: Date.now() - started });
    // The agent no longer has the session (deleted, another machine, another folder). OpenCode says so and may still exit 0.
    if (request.options.resume && !stoppedBy && this.spec.sessionLost.test(proc.stderr)) {
      const message = `${this.spec.displayName} no longer has this conversation's session (${request.options.resume.sessionId}): it was deleted, or it was made on another machine or in another folder. Start a new run to go on.`;
      ctx.emit({ type: 'error', message });
      return { status: 'failed', message, sessionLost: true, exitCode: exit.exitCode, signal: exit.signal, durationMs: Date.now() - started };
    }
    const transient = outcome.status === 'failed' && !stoppedBy ? transientCliFailure(outcome, proc.stderr) : undefined;
    return transient ? { ...outcome, transient: { reason: transient } } : outcome;
  }
}

/**
 * Why a failed CLI run may succeed if run again: the model API's status (as
 * the parser read it, or as the CLI wrote it: "HTTP 529", "status 503") or a
 * network error in its message or stderr. Whether anything of the answer had
 * arrived is the retry layer's to judge.
 */
export function transientCliFailure(outcome: RunOutcome, stderrTail: string): string | undefined {
  if (isTransientStatus(outcome.httpStatus)) return statusReason(outcome.httpStatus!);
  const text = `${outcome.message ?? ''}\n${stderrTail}`;
  const status = /\b(?:HTTP|status(?: code)?)[\s:]*(\d{3})\b/i.exec(text);
  if (status && isTransientStatus(Number(status[1]))) return statusReason(Number(status[1]), /overloaded/i.test(text) ? 'overloaded' : undefined);
  return transientReasonInText(text);
}

function spawnErrorMessage(spec: CliAgentSpec, file: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return `${spec.displayName} could not be started: ${file} does not exist any more. Run "Agent Relay: Re-detect Agents".`;
  if (err.code === 'EACCES') return `${spec.displayName} could not be started: ${file} is not executable.`;
  return `${spec.displayName} could not be started (${err.code ?? err.message}).`;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
