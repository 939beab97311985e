import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CliAgentSpec } from '../agents/cliAgent';
import { candidateNames, commonInstallDirs, expandUserPath, pathDirectories } from './searchPaths';
import { resolveCmdShim, shimNodeCandidates, type Launch } from './windowsShim';
import { once } from '../util/once';

/** How a binary was found, for the UI and the Doctor report. */
export type FoundBy = 'setting' | 'PATH' | 'known location';

/** One place the locator looked. */
export interface SearchStep {
  source: FoundBy;
  path: string;
  result: 'found' | 'missing' | 'not executable' | 'unusable';
}

export type Detection =
  | {
      found: true;
      agentId: string;
      path: string;
      foundBy: FoundBy;
      launch: Launch;
      trail: SearchStep[];
      /** `<cli> --version`, run once on first call. */
      version(): Promise<string | undefined>;
      /** When the search ended (set by the Detector). */
      detectedAt?: number;
    }
  | { found: false; agentId: string; trail: SearchStep[]; message: string; detectedAt?: number };

export interface LocatorContext {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** The user's path setting; undefined in untrusted workspaces, where it is ignored. */
  configuredPath?: string;
  /** Name of that setting, for messages. */
  settingKey: string;
  /** Whether the setting was ignored because the workspace is not trusted. */
  settingIgnoredUntrusted?: boolean;
  /**
   * The folder a relative path setting means (the run's folder, which is also
   * where the agent is spawned). Without it a relative setting is refused.
   */
  baseDir?: string;
}

/**
 * Finds an agent's executable: the user's setting, then `PATH` (with `PATHEXT`
 * on Windows), then known install locations. Never throws; a miss explains what
 * was searched and what to do.
 */
export async function locateCli(spec: CliAgentSpec, ctx: LocatorContext): Promise<Detection> {
  const trail: SearchStep[] = [];
  const p = ctx.platform === 'win32' ? path.win32 : path.posix;

  const configured = ctx.configuredPath?.trim();
  if (configured) {
    let file = expandUserPath(configured, ctx.home, ctx.env, ctx.platform);
    // Detected is what runs: a relative path means the run's folder, where the agent is spawned, never our own.
    if (!p.isAbsolute(file)) {
      if (!ctx.baseDir) {
        return {
          found: false,
          agentId: spec.id,
          trail,
          message: `${spec.displayName}: the setting ${ctx.settingKey} is a relative path ("${configured}"); use a full path.`,
        };
      }
      file = p.resolve(ctx.baseDir, file);
    }
    const candidates = p.extname(file) ? [file] : candidateNames(file, ctx.env, ctx.platform);
    for (const candidate of candidates) {
      const hit = await probe(candidate, 'setting', ctx, trail);
      if (hit) return hit;
    }
    // A setting that points nowhere is an error, not a reason to run something else.
    return {
      found: false,
      agentId: spec.id,
      trail,
      message: `${spec.displayName} was not found at "${configured}" (from the setting ${ctx.settingKey}). Fix or clear that setting, then run "Agent Relay: Re-detect Agents".`,
    };
  }

  // Relative entries (".", "bin", an empty one) mean whatever folder a process is in: we search in
  // ours but spawn in the run's, so they would find one binary and run another. They are skipped.
  const searchDirs: Array<[FoundBy, string]> = [
    ...pathDirectories(ctx.env, ctx.platform).map((d): [FoundBy, string] => ['PATH', d]),
    ...[...spec.knownLocations(ctx.home, ctx.env, ctx.platform), ...commonInstallDirs(ctx.home, ctx.env, ctx.platform)].map(
      (d): [FoundBy, string] => ['known location', d],
    ),
  ].filter(([, d]) => p.isAbsolute(d));
  const seen = new Set<string>();
  for (const [source, dir] of searchDirs) {
    for (const bin of spec.binaryNames) {
      for (const name of candidateNames(bin, ctx.env, ctx.platform)) {
        const file = p.join(dir, name);
        const key = ctx.platform === 'win32' ? file.toLowerCase() : file;
        if (seen.has(key)) continue;
        seen.add(key);
        const hit = await probe(file, source, ctx, trail, true);
        if (hit) return hit;
      }
    }
  }

  const ignored = ctx.settingIgnoredUntrusted ? ` The setting ${ctx.settingKey} is ignored because this workspace is not trusted.` : '';
  return {
    found: false,
    agentId: spec.id,
    trail,
    message:
      `${spec.displayName} (\`${spec.binaryNames[0]}\`) was not found on PATH or in ${searchDirs.length - pathDirectories(ctx.env, ctx.platform).length} known install locations.${ignored} ` +
      `${spec.installHint} If it is installed somewhere else, set ${ctx.settingKey} to its full path.`,
  };

  async function probe(
    file: string,
    source: FoundBy,
    c: LocatorContext,
    steps: SearchStep[],
    quietMisses = false,
  ): Promise<Detection | undefined> {
    const state = await executableState(file, c.platform);
    if (state !== 'found') {
      // PATH scans look at dozens of files; only record the misses of explicit choices.
      if (!quietMisses || state !== 'missing') steps.push({ source, path: file, result: state });
      return undefined;
    }
    const launch = await launchFor(file, c);
    if (!launch) {
      steps.push({ source, path: file, result: 'unusable' });
      return undefined;
    }
    steps.push({ source, path: file, result: 'found' });
    return { found: true, agentId: spec.id, path: file, foundBy: source, launch, trail: steps, version: once(() => probeVersion(launch)) };
  }
}

async function executableState(file: string, platform: NodeJS.Platform): Promise<SearchStep['result']> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return 'missing';
    if (platform === 'win32') return 'found';
    await fs.access(file, fs.constants.X_OK);
    return 'found';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EACCES' ? 'not executable' : 'missing';
  }
}

async function launchFor(file: string, ctx: LocatorContext): Promise<Launch | undefined> {
  if (ctx.platform === 'win32' && /\.(cmd|bat)$/i.test(file)) {
    try {
      // The shim would run a bare `node`, which Windows looks for in the working folder (the
      // repository) first: use the absolute Node the shim itself prefers, else the one on PATH.
      const candidates = shimNodeCandidates(path.win32.dirname(file), pathDirectories(ctx.env, ctx.platform));
      const exists = await Promise.all(candidates.map((c) => fs.stat(c).then((st) => st.isFile(), () => false)));
      const node = candidates.find((_, i) => exists[i]);
      return resolveCmdShim(file, await fs.readFile(file, 'utf8'), node);
    } catch {
      return undefined;
    }
  }
  return { command: file, argsPrefix: [] };
}

/** Runs `<cli> --version` (30 s limit: Gemini CLI takes seconds to start on a busy machine) and returns its first line. */
export function probeVersion(launch: Launch): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      launch.command,
      [...launch.argsPrefix, '--version'],
      { timeout: 30_000, windowsHide: true, encoding: 'utf8' },
      (err, stdout) => resolve(err ? undefined : stdout.trim().split('\n')[0] || undefined),
    );
  });
}
