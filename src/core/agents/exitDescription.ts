// Words for how an agent process ended, shared by every CLI's parser.

/** "exit code 1", "killed by SIGKILL": how a process ended, in words. */
export function describeExit(code: number | null | undefined, signal: string | null | undefined): string {
  if (signal) return `killed by ${signal}`;
  if (code === null || code === undefined) return 'no exit code';
  return `exit code ${code}`;
}

/** The message for a run we stopped ourselves. */
export function stoppedMessage(by: 'cancelled' | 'timed-out'): string {
  return by === 'cancelled' ? 'Cancelled.' : 'Stopped: the run took longer than the time limit (agentRelay.run.timeoutMinutes).';
}

const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/** Text without terminal colour and cursor codes (several CLIs colour their stderr). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/**
 * The end of stderr for an error message, on its own line(s): colour codes and
 * blank lines removed, and lines matching `noise` (start-up chatter, stack
 * frames) left out; at most 2,000 characters.
 */
export function stderrSuffix(stderrTail: string, noise: readonly RegExp[] = []): string {
  const lines = stripAnsi(stderrTail)
    .split(/\r?\n/)
    .filter((l) => l.trim() && !noise.some((n) => n.test(l)));
  const tail = lines.join('\n').trim();
  return tail ? `\n${tail.length > 2000 ? '…' + tail.slice(-2000) : tail}` : '';
}
