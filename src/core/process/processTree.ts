import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** How to kill a whole process tree on a platform, as a plan that unit tests can read. */
export type TreeKillPlan =
  | { kind: 'taskkill'; command: 'taskkill'; args: string[] }
  | { kind: 'signals'; signal: 'SIGKILL' };

export function treeKillPlan(platform: NodeJS.Platform, pid: number): TreeKillPlan {
  // Windows has no process groups or signals: taskkill walks the parent links itself.
  if (platform === 'win32') return { kind: 'taskkill', command: 'taskkill', args: ['/pid', String(pid), '/T', '/F'] };
  return { kind: 'signals', signal: 'SIGKILL' };
}

/** Parses `ps -A -o pid=,ppid=` output (macOS and other non-Linux POSIX systems). */
export function parsePsTable(text: string): Array<[pid: number, ppid: number]> {
  const rows: Array<[number, number]> = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (m) rows.push([Number(m[1]), Number(m[2])]);
  }
  return rows;
}

/** Parent links of every process, from /proc on Linux and from `ps` elsewhere. */
function processTable(): Array<[number, number]> {
  if (process.platform === 'linux') {
    const rows: Array<[number, number]> = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        // The command name may contain spaces and parentheses; fields resume after the last ')'.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        rows.push([Number(name), Number(fields[1])]);
      } catch {
        // exited while we looked
      }
    }
    return rows;
  }
  try {
    return parsePsTable(execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8', timeout: 5000 }));
  } catch {
    return [];
  }
}

/** Every descendant of `root` (children, grandchildren, …), found by parent links. */
export function descendantsOf(root: number, table: Array<[number, number]> = processTable()): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of table) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (!out.includes(child)) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone (ESRCH) or not ours
  }
}

/**
 * Kills `pid` and everything it started, synchronously, so it is safe in
 * `deactivate`. On POSIX the root leads its own process group (we spawn it
 * detached); the group is frozen with SIGSTOP first so nothing can fork
 * between listing and killing, and descendants that left the group are found by
 * parent links. On Windows, `taskkill /T /F`.
 */
export function killProcessTree(pid: number, platform: NodeJS.Platform = process.platform): void {
  const plan = treeKillPlan(platform, pid);
  if (plan.kind === 'taskkill') {
    spawnSync(plan.command, plan.args, { windowsHide: true, stdio: 'ignore', timeout: 10_000 });
    return;
  }
  const seen = new Set<number>([pid]);
  signal(-pid, 'SIGSTOP');
  signal(pid, 'SIGSTOP');
  // Stopped processes cannot fork, so a few rounds reach a fixed point.
  for (let round = 0; round < 4; round++) {
    const fresh = descendantsOf(pid).filter((p) => !seen.has(p));
    if (fresh.length === 0) break;
    for (const p of fresh) {
      signal(p, 'SIGSTOP');
      seen.add(p);
    }
  }
  signal(-pid, 'SIGKILL');
  for (const p of seen) signal(p, 'SIGKILL');
}

/** Sends a signal to the whole process group led by `pid` (POSIX) or nothing (Windows). */
export function signalGroup(pid: number, sig: NodeJS.Signals, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') return; // no console signals for detached children; the tree kill follows
  signal(-pid, sig);
}

/** True while a process with this pid exists (zombies included on Linux). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
