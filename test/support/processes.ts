import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Live (non-zombie) processes whose process group is `pgid` (POSIX). */
export function processesInGroup(pgid: number): number[] {
  if (process.platform === 'linux') {
    const out: number[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // fields[0] = state, fields[2] = pgrp
        if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(name));
      } catch {
        // gone
      }
    }
    return out;
  }
  const text = execFileSync('ps', ['-A', '-o', 'pid=,pgid=,stat='], { encoding: 'utf8' });
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && Number(f[1]) === pgid && !f[2].startsWith('Z'))
    .map((f) => Number(f[0]));
}

/** Live processes whose command line contains `marker`. */
export function processesWithMarker(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (cmd.includes(marker) && state !== 'Z') out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

/** Polls until `check` returns true or `ms` pass; returns the last result. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, every = 50): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A process as seen at one moment. `started` tells it apart from a later process that reuses its pid. */
export interface SeenProcess {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time (clock ticks since boot, Linux); '' where unknown. */
  started: string;
}

/** Every live (non-zombie) process: /proc on Linux, `ps` elsewhere. */
export function processTable(): Map<number, SeenProcess> {
  const out = new Map<number, SeenProcess>();
  if (process.platform === 'linux') {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (f[0] === 'Z' || f[0] === 'X') continue;
        out.set(Number(name), { pid: Number(name), ppid: Number(f[1]), pgid: Number(f[2]), started: f[19] });
      } catch {
        // gone
      }
    }
    return out;
  }
  const text = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat='], { encoding: 'utf8' });
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3].startsWith('Z')) continue;
    out.set(Number(f[0]), { pid: Number(f[0]), ppid: Number(f[1]), pgid: Number(f[2]), started: '' });
  }
  return out;
}

/** True while the process `p` describes still runs: not a zombie, and not another process that got its pid. */
export function stillRunning(p: SeenProcess, table = processTable()): boolean {
  const now = table.get(p.pid);
  return now !== undefined && now.started === p.started;
}

export interface TreeWatch {
  /** Every process seen in the tree (the root included), with the group it was in. */
  readonly seen: ReadonlyMap<number, SeenProcess>;
  /** Takes one more look, then stops watching. */
  stop(): void;
  /**
   * What of the tree still runs: each process seen in it, and anything in the
   * process groups they were in (which covers children started after the last look).
   */
  running(): number[];
}

/**
 * Watches the process tree under `root` until stop(), remembering every
 * process seen in it, so that those that moved to a process group of their own
 * and were orphaned (parent links no longer reach them) can still be checked
 * once the tree has been stopped. `root` leads its own process group, as an
 * agent does (it is spawned detached), so that group is checked even if the
 * root was gone before the first look.
 */
export function watchTree(root: number, every = 100): TreeWatch {
  const seen = new Map<number, SeenProcess>();
  const look = () => {
    const table = processTable();
    const rootNow = table.get(root);
    if (!rootNow || (seen.has(root) && !stillRunning(seen.get(root)!, table))) return;
    if (!seen.has(root)) seen.set(root, rootNow);
    const queue = [root];
    while (queue.length) {
      const parent = queue.shift()!;
      for (const p of table.values()) {
        if (p.ppid !== parent || p.pid === parent) continue;
        if (!seen.has(p.pid) || !stillRunning(seen.get(p.pid)!, table)) seen.set(p.pid, p);
        queue.push(p.pid);
      }
    }
  };
  look();
  const timer = setInterval(look, every);
  timer.unref?.();
  return {
    seen,
    stop: () => {
      clearInterval(timer);
      look();
    },
    running: () => {
      const table = processTable();
      const groups = new Set([root, ...[...seen.values()].map((p) => p.pgid)]);
      const left = new Set([...seen.values()].filter((p) => stillRunning(p, table)).map((p) => p.pid));
      for (const p of table.values()) if (groups.has(p.pgid)) left.add(p.pid);
      return [...left];
    },
  };
}
