import * as path from 'node:path';
import { UserInputError } from '../util/userInputError';
import { argValue, checkPermissionMode, flagValue, isReadOnlyMode, noFork, sessionIdValue, type CliAgentSpec } from './cliAgent';
import { CodexStreamParser } from './codexStream';
import { envValue } from '../util/env';

/**
 * Codex sandbox modes Agent Relay offers. `danger-full-access` and the
 * approval/sandbox bypass flags are deliberately absent.
 */
const PERMISSION_MODES = [
  {
    value: 'read-only',
    readOnly: true,
    description: 'Read-only sandbox: Codex may read files and run commands, but every write and all network access are blocked.',
  },
  {
    value: 'workspace-write',
    readOnly: false,
    description: 'Codex may edit files and run commands inside the working folder (sandboxed, no network); everything else stays read-only.',
  },
] as const;

export const codexAgent: CliAgentSpec = {
  id: 'codex',
  displayName: 'OpenAI Codex',
  binaryNames: ['codex'],
  npmPackage: '@openai/codex',
  installHint: 'Install OpenAI Codex (`npm install -g @openai/codex`), then run "Agent Relay: Re-detect Agents".',
  permissionModes: PERMISSION_MODES,
  defaultPermissionMode: 'read-only',
  // Codex exits within milliseconds on SIGINT (its npm wrapper forwards it to the native binary).
  gracefulSignal: 'SIGINT',

  answerInputs(home, env, cwd) {
    const codexHome = env.CODEX_HOME || path.join(home, '.codex');
    return {
      env: ['CODEX_HOME', 'OPENAI_BASE_URL', 'OPENAI_MODEL'],
      files: [path.join(codexHome, 'config.toml'), path.join(codexHome, 'AGENTS.md'), path.join(cwd, 'AGENTS.md'), path.join(cwd, 'AGENTS.override.md')],
    };
  },

  knownLocations(home, env, platform) {
    const p = platform === 'win32' ? path.win32 : path.posix;
    const codexHome = envValue(env, 'CODEX_HOME', platform) || p.join(home, '.codex');
    const dirs: string[] = [];
    // The standalone installer's choice of folder for the `codex` command.
    const installDir = envValue(env, 'CODEX_INSTALL_DIR', platform);
    if (installDir) dirs.push(installDir);
    if (platform === 'win32') {
      const localAppData = envValue(env, 'LOCALAPPDATA', platform) || p.join(home, 'AppData', 'Local');
      dirs.push(p.join(localAppData, 'Programs', 'OpenAI', 'Codex', 'bin'));
    } else {
      dirs.push(p.join(home, '.local', 'bin'));
    }
    // Where the standalone installer keeps the current release (newer layout first).
    dirs.push(p.join(codexHome, 'packages', 'standalone', 'current', 'bin'), p.join(codexHome, 'packages', 'standalone', 'current'));
    return dirs;
  },

  invocation(prompt, options) {
    const mode = checkPermissionMode(codexAgent, options.permissionMode);
    // `-` reads the prompt from stdin. No --skip-git-repo-check: Codex's refusal
    // to work outside a Git repository protects files that cannot be restored.
    const args = ['exec', '--json', `--sandbox=${mode}`];
    if (options.model) args.push(`--model=${flagValue('the Codex model', options.model)}`);
    // Codex has no per-tool allow list; the sandbox mode is the whole permission.
    if (options.allowedTools?.length) throw new UserInputError('Codex has no allowed-tools list: its sandbox mode (agentRelay.codex.permissionMode) is the whole permission.');
    // `exec [flags] resume ID -`: the exec flags apply to the resumed session too. No fork in Codex.
    if (options.resume) {
      if (options.resume.fork) noFork('Codex');
      args.push('resume', sessionIdValue('Codex', options.resume.sessionId));
    }
    args.push('-');
    return { args, stdin: prompt, env: { ...options.environment } };
  },

  isReadOnly: (args) => isReadOnlyMode(codexAgent, argValue(args, '--sandbox')),

  createParser: (emit) => new CodexStreamParser(emit),
  canFork: false,
  // 0.169: "Error: thread/resume: thread/resume failed: no rollout found for thread id …", exit 1, no JSON.
  sessionLost: /no rollout found for thread id|thread\/resume failed/i,
};
