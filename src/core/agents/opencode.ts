import * as path from 'node:path';
import { UserInputError } from '../util/userInputError';
import { argValue, checkPermissionMode, flagValue, isReadOnlyMode, sessionIdValue, type CliAgentSpec } from './cliAgent';
import { OpenCodeStreamParser } from './opencodeStream';
import { envValue } from '../util/env';

/**
 * OpenCode's own agents that Agent Relay offers. `--auto` (and its aliases
 * `--yolo`, `--dangerously-skip-permissions`) is never passed, so anything a
 * rule says to "ask" about is refused in a headless run.
 */
const PERMISSION_MODES = [
  {
    value: 'plan',
    readOnly: true,
    description: 'Read-only: OpenCode may read and search files (read, grep, glob, list) but not edit, run commands, start sub-agents or fetch from the web.',
  },
  {
    value: 'build',
    readOnly: false,
    description:
      "OpenCode's build agent under your OpenCode permission config. OpenCode's defaults let it edit files and run commands without asking; anything your config says to ask about is refused.",
  },
] as const;

/**
 * OpenCode's plan agent alone is not read-only: it may still run any shell
 * command, and OpenCode quietly falls back to the build agent when `plan` is
 * missing. These rules make the mode read-only whatever the agent. Passed as
 * OPENCODE_PERMISSION, they are merged over the user's global and project
 * `permission` config. OpenCode applies the last matching rule, and a key the
 * user also wrote keeps the user's position, so the mutating tools are named
 * as well as `*`. Denied tools are not even offered to the model. (Rules the
 * user wrote for the plan agent itself, `agent.plan.permission`, still win.)
 */
const READ_ONLY_RULES = JSON.stringify({
  '*': 'deny',
  read: { '*': 'allow', '*.env': 'ask', '*.env.*': 'ask', '*.env.example': 'allow' }, // OpenCode's own default
  grep: 'allow',
  glob: 'allow',
  list: 'allow',
  todoread: 'allow',
  todowrite: 'allow',
  bash: 'deny',
  edit: 'deny', // also write, patch, apply_patch
  task: 'deny', // sub-agents carry their own permissions
  external_directory: 'deny',
  webfetch: 'deny',
  websearch: 'deny',
});

export const opencodeAgent: CliAgentSpec = {
  id: 'opencode',
  displayName: 'OpenCode',
  binaryNames: ['opencode'],
  npmPackage: 'opencode-ai',
  installHint: 'Install OpenCode (`npm install -g opencode-ai`, or the installer from https://opencode.ai), then run "Agent Relay: Re-detect Agents".',
  permissionModes: PERMISSION_MODES,
  defaultPermissionMode: 'plan',
  // OpenCode has no graceful stop to ask for: SIGINT and SIGTERM end it at once
  // (1.18.33 installs no handler), abandoning the shell commands it runs in
  // sessions of their own; the process layer lists the tree before signalling
  // and kills whatever of it outlives OpenCode.
  gracefulSignal: 'SIGTERM',

  answerInputs(home, env, cwd) {
    const config = path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'opencode');
    return {
      env: ['OPENCODE_CONFIG', 'OPENCODE_CONFIG_CONTENT', 'OPENCODE_CONFIG_DIR', 'XDG_CONFIG_HOME'],
      files: [
        path.join(config, 'opencode.json'), path.join(config, 'opencode.jsonc'), path.join(config, 'AGENTS.md'),
        path.join(cwd, 'opencode.json'), path.join(cwd, 'opencode.jsonc'), path.join(cwd, 'AGENTS.md'),
        ...(env.OPENCODE_CONFIG ? [path.resolve(cwd, env.OPENCODE_CONFIG)] : []),
      ],
    };
  },

  knownLocations(home, env, platform) {
    const p = platform === 'win32' ? path.win32 : path.posix;
    const dirs: string[] = [];
    // The install script's choice, in its order: OPENCODE_INSTALL_DIR, XDG_BIN_DIR, ~/bin, ~/.opencode/bin.
    for (const name of ['OPENCODE_INSTALL_DIR', 'XDG_BIN_DIR']) {
      const dir = envValue(env, name, platform);
      if (dir) dirs.push(dir);
    }
    dirs.push(p.join(home, 'bin'), p.join(home, '.opencode', 'bin'));
    if (platform === 'win32') {
      dirs.push(p.join(envValue(env, 'SCOOP', platform) || p.join(home, 'scoop'), 'shims'));
      dirs.push(p.join(envValue(env, 'ChocolateyInstall', platform) || 'C:\\ProgramData\\chocolatey', 'bin'));
    }
    return dirs;
  },

  invocation(prompt, options) {
    const mode = checkPermissionMode(opencodeAgent, options.permissionMode);
    if (options.allowedTools?.length) {
      throw new UserInputError('OpenCode takes its allow rules from its own config ("permission" in opencode.json), not from allowed tools.');
    }
    // The prompt goes to stdin (OpenCode appends piped input to the message).
    // `--title=` names the session after the prompt instead of asking the model
    // for a title, which would be a second, billed request per run.
    // `--thinking` only adds the model's reasoning parts to the output.
    const args = ['run', '--format', 'json', `--agent=${mode}`, '--title=', '--thinking'];
    if (options.model) args.push(`--model=${flagValue('the OpenCode model', options.model)}`);
    if (options.resume) {
      args.push(`--session=${sessionIdValue('OpenCode', options.resume.sessionId)}`);
      if (options.resume.fork) args.push('--fork');
    }
    return {
      args,
      stdin: prompt,
      env: {
        // Replacing the user's binary in the middle of an extension's run is not ours to trigger.
        OPENCODE_DISABLE_AUTOUPDATE: '1',
        ...options.environment,
        // `opencode run` works in $PWD when it is set, not in its working directory:
        // an inherited PWD (the editor's launch folder) would send it to the wrong project.
        PWD: undefined,
        // Last, so that no environment setting undoes read-only.
        ...(mode === 'plan' ? { OPENCODE_PERMISSION: READ_ONLY_RULES } : {}),
      },
    };
  },

  // Plan, which the invocation makes read-only with deny rules (OPENCODE_PERMISSION).
  isReadOnly: (args) => isReadOnlyMode(opencodeAgent, argValue(args, '--agent')),

  createParser: (emit) => new OpenCodeStreamParser(emit),
  canFork: true,
  // 1.18: stderr "Error: Session not found", no JSON, and exit 0 or 1.
  sessionLost: /Session not found/i,
};
