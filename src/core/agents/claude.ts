import * as path from 'node:path';
import { allowRule, argValue, checkPermissionMode, flagValue, isReadOnlyMode, sessionIdValue, type CliAgentSpec } from './cliAgent';
import { ClaudeStreamParser } from './claudeStream';

/** Permission modes Agent Relay offers. Bypass modes are deliberately absent. */
const PERMISSION_MODES = [
  { value: 'plan', readOnly: true, description: 'Read-only: Claude may read and search files but not change anything or run commands.' },
  { value: 'default', readOnly: false, description: "Claude Code's default rules; in a headless run anything that would need your approval is refused." },
  { value: 'acceptEdits', readOnly: false, description: 'Claude may edit files in the workspace without asking. Commands still need an explicit allow rule.' },
] as const;

export const claudeAgent: CliAgentSpec = {
  id: 'claude',
  displayName: 'Claude Code',
  binaryNames: ['claude'],
  npmPackage: '@anthropic-ai/claude-code',
  installHint:
    'Install Claude Code (`npm install -g @anthropic-ai/claude-code`, or the native installer from https://code.claude.com/docs), then run "Agent Relay: Re-detect Agents".',
  permissionModes: PERMISSION_MODES,
  defaultPermissionMode: 'plan',
  // SIGINT makes Claude Code finish with an `aborted_streaming` result; SIGTERM just exits.
  gracefulSignal: 'SIGINT',

  answerInputs(home, env, cwd) {
    const config = env.CLAUDE_CONFIG_DIR || path.join(home, '.claude');
    return {
      env: [
        'ANTHROPIC_MODEL', 'ANTHROPIC_DEFAULT_OPUS_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL', 'ANTHROPIC_DEFAULT_HAIKU_MODEL', 'ANTHROPIC_SMALL_FAST_MODEL',
        'CLAUDE_CODE_SUBAGENT_MODEL', 'ANTHROPIC_BASE_URL', 'CLAUDE_CONFIG_DIR', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY',
        'CLAUDE_CODE_MAX_OUTPUT_TOKENS', 'MAX_THINKING_TOKENS',
      ],
      files: [
        path.join(config, 'settings.json'), path.join(config, 'CLAUDE.md'),
        path.join(cwd, '.claude', 'settings.json'), path.join(cwd, '.claude', 'settings.local.json'), path.join(cwd, 'CLAUDE.md'), path.join(cwd, 'CLAUDE.local.md'),
      ],
    };
  },

  knownLocations(home) {
    return [
      path.join(home, '.local', 'bin'), // native installer (all platforms)
      path.join(home, '.claude', 'local'), // legacy "local" install
    ];
  },

  invocation(prompt, options) {
    const args = ['-p', '--output-format', 'stream-json', '--verbose', '--include-partial-messages'];
    const mode = checkPermissionMode(claudeAgent, options.permissionMode);
    // `--flag=value`: one argument the parser cannot split into a flag of its own.
    args.push(`--permission-mode=${mode}`);
    if (options.model) args.push(`--model=${flagValue('the Claude Code model', options.model)}`);
    // One flag per rule (the option collects them); a rule may hold spaces ("Bash(echo *)").
    for (const rule of options.allowedTools ?? []) args.push(`--allowedTools=${allowRule('Claude Code', rule)}`);
    if (options.resume) {
      args.push(`--resume=${sessionIdValue('Claude Code', options.resume.sessionId)}`);
      if (options.resume.fork) args.push('--fork-session');
    }
    return {
      args,
      stdin: prompt,
      env: {
        // Set inside Claude Code's own shells; a nested run must not think it is one.
        CLAUDECODE: undefined,
        ...options.environment,
      },
    };
  },

  // Plan mode, and no allow rules: a rule could open a tool that changes things.
  isReadOnly: (args) => isReadOnlyMode(claudeAgent, argValue(args, '--permission-mode')) && !args.some((a) => a.startsWith('--allowedTools')),

  createParser: (emit) => new ClaudeStreamParser(emit),
  canFork: true,
  // 2.1.x: `result` error_during_execution, exit 1.
  sessionLost: /No conversation found with session ID/i,
};
