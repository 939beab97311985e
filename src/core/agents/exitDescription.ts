/** "exit code 1", "killed by SIGKILL": how a process ended, in words. */
export function describeExit(code: number | null | undefined, signal: string | null | undefined): string {
  if (signal) return `killed by ${signal}`;
  if (code === null || code === undefined) return 'no exit code';
  return `exit code ${code}`;
}
