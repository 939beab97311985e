import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { allowRule, argValue, checkPermissionMode, flagValue, isReadOnlyMode, noFork, sessionIdValue, type CliAgentSpec } from './cliAgent';
import { GeminiStreamParser } from './geminiStream';

/**
 * Gemini CLI's approval modes (`--approval-mode`) that Agent Relay offers; `yolo`
 * (approve everything) is deliberately absent. Headless, Gemini CLI does not
 * even offer the model a tool that would need approval, so `default` and
 * `auto_edit` open the shell only through an explicit allow rule.
 */
const PERMISSION_MODES = [
  {
    value: 'plan',
    readOnly: true,
    description:
      'Read-only: Gemini may read and search files and the web but not change the workspace or run commands (it may write plan notes under ~/.gemini). Allowed tools do not apply.',
  },
  {
    value: 'default',
    readOnly: false,
    description: "Gemini CLI's default rules; in a headless run anything that would need your approval is not offered, so only read-only tools and tools you allow run.",
  },
  {
    value: 'auto_edit',
    readOnly: false,
    description: 'Gemini may create and edit files in the workspace without asking. Commands still need an explicit allow rule.',
  },
] as const;

/**
 * Headless, Gemini CLI 0.61 auto-approves `enter_plan_mode` and `exit_plan_mode`,
 * and leaving Plan Mode that way switches the session to YOLO (every tool
 * approved): any mode could be escalated by the model itself. Denying both
 * tools keeps a run in the mode the user chose; a tool denied outright is not
 * even offered to the model. Loaded as an admin policy so that user policies
 * cannot outrank it (Gemini CLI ignores it, with a warning, where the system
 * policy folder is in use: there an administrator decides).
 */
const MODE_GUARD_POLICY = `# Written by Agent Relay for its headless Gemini CLI runs.
[[rule]]
toolName = ["enter_plan_mode", "exit_plan_mode"]
decision = "deny"
priority = 999
denyMessage = "Agent Relay runs Gemini CLI in a fixed approval mode; it cannot be changed during a run."
`;

let guardFile: string | undefined;

/** The guard policy on disk: one private folder per process, recreated if a temp cleaner removed it. */
export function modeGuardPolicyFile(): string {
  if (guardFile && existsSync(guardFile)) return guardFile;
  // mkdtemp makes a fresh folder only we can write to, so nobody can plant a policy in its place.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-relay-gemini-'));
  guardFile = path.join(dir, 'mode-guard.toml');
  writeFileSync(guardFile, MODE_GUARD_POLICY, { mode: 0o600 });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return guardFile;
}

export const geminiAgent: CliAgentSpec = {
  id: 'gemini',
  displayName: 'Gemini CLI',
  binaryNames: ['gemini'],
  npmPackage: '@google/gemini-cli',
  installHint: 'Install Gemini CLI (`npm install -g @google/gemini-cli`), then run "Agent Relay: Re-detect Agents".',
  permissionModes: PERMISSION_MODES,
  defaultPermissionMode: 'plan',
  // SIGINT and SIGTERM make Gemini CLI exit at once (code 0, no result) and
  // abandon the shell commands it runs in their own process groups; the process
  // layer remembers those before signalling and kills them after the exit.
  gracefulSignal: 'SIGTERM',

  answerInputs(home, _env, cwd) {
    return {
      env: ['GEMINI_MODEL', 'GOOGLE_GEMINI_BASE_URL', 'GOOGLE_CLOUD_PROJECT', 'GOOGLE_GENAI_USE_VERTEXAI', 'GEMINI_CLI_SYSTEM_SETTINGS_PATH', 'GEMINI_CLI_SYSTEM_DEFAULTS_PATH'],
      files: [path.join(home, '.gemini', 'settings.json'), path.join(home, '.gemini', 'GEMINI.md'), path.join(cwd, '.gemini', 'settings.json'), path.join(cwd, 'GEMINI.md')],
    };
  },

  knownLocations(home, env, platform) {
    const p = platform === 'win32' ? path.win32 : path.posix;
    const dirs: string[] = [];
    // Anaconda, as Gemini CLI's install guide sets it up (`conda create -n gemini_env`, then npm -g).
    if (env.CONDA_PREFIX) dirs.push(platform === 'win32' ? env.CONDA_PREFIX : p.join(env.CONDA_PREFIX, 'bin'));
    for (const conda of ['miniconda3', 'anaconda3']) {
      const envDir = p.join(home, conda, 'envs', 'gemini_env');
      dirs.push(platform === 'win32' ? envDir : p.join(envDir, 'bin'));
    }
    if (platform === 'darwin') dirs.push('/opt/local/bin'); // MacPorts (`port install gemini-cli`)
    return dirs;
  },

  invocation(prompt, options) {
    const mode = checkPermissionMode(geminiAgent, options.permissionMode);
    // The prompt goes to stdin alone: with stdin not a terminal Gemini CLI runs
    // headless and reads it to EOF (no argv length limits, no quoting).
    // --skip-trust: Agent Relay runs agents only in workspaces the user trusted
    // in VS Code. The flag trusts this folder for this process only, where
    // GEMINI_CLI_TRUST_WORKSPACE would be inherited by every command Gemini runs.
    const args = ['--output-format', 'stream-json', '--skip-trust', `--approval-mode=${mode}`, `--admin-policy=${modeGuardPolicyFile()}`];
    if (options.model) args.push(`--model=${flagValue('the Gemini CLI model', options.model)}`);
    // Allow rules outrank Plan Mode's own deny-all, so they would open tools in
    // the read-only mode: they only apply where the mode can change things.
    // The flag is deprecated in favour of policy files but still the only per-run
    // allow list; one flag per rule, e.g. "run_shell_command(npm test)".
    const rules = (options.allowedTools ?? []).map((r) => allowRule('Gemini CLI', r));
    if (!isReadOnlyMode(geminiAgent, mode)) for (const rule of rules) args.push(`--allowed-tools=${rule}`);
    // An explicit id, never `latest` (that may be another window's session). No fork in Gemini CLI.
    if (options.resume) {
      if (options.resume.fork) noFork('Gemini CLI');
      args.push(`--resume=${sessionIdValue('Gemini CLI', options.resume.sessionId)}`);
    }
    return {
      args,
      stdin: prompt,
      env: {
        // Otherwise the CLI re-spawns itself as a child `node` with a larger heap:
        // two processes per run, and a parent that ignores SIGINT and SIGTERM.
        GEMINI_CLI_NO_RELAUNCH: 'true',
        ...options.environment,
      },
    };
  },

  isReadOnly: (args) => isReadOnlyMode(geminiAgent, argValue(args, '--approval-mode')) && !args.some((a) => a.startsWith('--allowed-tools')),

  createParser: (emit) => new GeminiStreamParser(emit),
  canFork: false,
  // 0.61: "Error resuming session: No previous sessions found for this project.", exit 42; or an unknown id.
  sessionLost: /Error resuming session|No previous sessions found|Invalid session identifier/i,
};
