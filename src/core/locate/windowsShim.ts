import * as path from 'node:path';

/** How to start an executable without a shell. */
export interface Launch {
  command: string;
  /** Arguments that come before the agent's own (e.g. the script for `node`). */
  argsPrefix: string[];
}

/**
 * Resolves an npm `cmd-shim` (`claude.cmd`, `gemini.cmd`) to what it runs.
 * `nodeCommand` is the absolute Node for script targets (see
 * shimNodeCandidates); without one a script shim is not runnable.
 * Since Node's fix for CVE-2024-27980, `.cmd` files cannot be spawned without a
 * shell, and going through `cmd.exe` mangles prompts and breaks tree kills, so we
 * run the shim's target directly: a native `.exe`, or `node <script>`.
 * Returns undefined when the file is not a shim we understand.
 */
export function resolveCmdShim(shimPath: string, content: string, nodeCommand?: string): Launch | undefined {
  const dir = path.win32.dirname(shimPath);
  // The line that launches the program is the one passing the arguments on.
  const line = content.split(/\r?\n/).reverse().find((l) => l.includes('%*'));
  if (!line) return undefined;
  const targets = [...line.matchAll(/"%~?dp0%?\\([^"]+)"/g)].map((m) => path.win32.join(dir, m[1]));
  const target = targets.find((t) => !/\\node(\.exe)?$/i.test(t));
  if (!target) return undefined;
  if (/\.exe$/i.test(target)) return { command: target, argsPrefix: [] };
  if (/\.(c|m)?js$/i.test(target)) {
    const bundledNode = targets.find((t) => /\\node\.exe$/i.test(t));
    const node = bundledNode ?? nodeCommand;
    return node ? { command: node, argsPrefix: [target] } : undefined;
  }
  return undefined;
}

/**
 * Where the Node a shim runs may be, best first: the `node.exe` beside the
 * shim (cmd-shim checks it first), then `node.exe` in each absolute PATH
 * directory. Never a bare `node`: Windows would look in the working folder
 * before PATH.
 */
export function shimNodeCandidates(shimDir: string, pathDirs: readonly string[]): string[] {
  return [shimDir, ...pathDirs.filter((d) => path.win32.isAbsolute(d))].map((d) => path.win32.join(d, 'node.exe'));
}
