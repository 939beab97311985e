// Scratch home folders that point each real agent CLI at the loopback model
// server, the way a user would configure their own endpoint. Returns the
// environment variables to run the agent with (HOME and friends included),
// so nothing of the machine's real configuration leaks in or gets written.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface AgentHome {
  home: string;
  env: Record<string, string>;
}

/** Claude Code: Anthropic Messages at ANTHROPIC_BASE_URL, retries limited, no non-essential traffic. */
export function claudeHome(home: string, serverUrl: string): AgentHome {
  mkdirSync(home, { recursive: true });
  return {
    home,
    env: {
      HOME: home,
      CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
      ANTHROPIC_BASE_URL: serverUrl,
      ANTHROPIC_API_KEY: 'sk-ant-loopback-test',
      CLAUDE_CODE_MAX_RETRIES: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
    },
  };
}

/** Codex: a `mock` Responses provider in CODEX_HOME/config.toml, no retries, no analytics or plugin sync. */
export function codexHome(home: string, serverUrl: string): AgentHome {
  const codexDir = path.join(home, '.codex');
  mkdirSync(codexDir, { recursive: true });
  writeFileSync(
    path.join(codexDir, 'config.toml'),
    [
      'model_provider = "mock"',
      '',
      '[model_providers.mock]',
      'name = "Mock"',
      `base_url = "${serverUrl}/v1"`,
      'env_key = "MOCK_API_KEY"',
      'wire_api = "responses"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
      '[analytics]',
      'enabled = false',
      '',
      '[features]',
      'plugins = false',
      'api_key_model_discovery = false',
      '',
    ].join('\n'),
  );
  return { home, env: { HOME: home, CODEX_HOME: codexDir, MOCK_API_KEY: 'sk-loopback-test' } };
}

/**
 * Gemini CLI: API-key auth against GOOGLE_GEMINI_BASE_URL, one attempt per
 * request, no auto-update, statistics, telemetry or IDE link. `allowShell`
 * adds a user policy letting the shell run exactly those command prefixes.
 */
export function geminiHome(home: string, serverUrl: string, allowShell: string[] = ['echo']): AgentHome {
  const dir = path.join(home, '.gemini');
  mkdirSync(path.join(dir, 'policies'), { recursive: true });
  mkdirSync(path.join(home, 'tmp'), { recursive: true });
  writeFileSync(
    path.join(dir, 'settings.json'),
    JSON.stringify({
      security: { auth: { selectedType: 'gemini-api-key' } },
      general: { maxAttempts: 1, retryFetchErrors: false, enableAutoUpdate: false, enableAutoUpdateNotification: false },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      ide: { enabled: false },
    }),
  );
  if (allowShell.length) {
    writeFileSync(
      path.join(dir, 'policies', 'test.toml'),
      `[[rule]]\ntoolName = "run_shell_command"\ncommandPrefix = ${JSON.stringify(allowShell)}\ndecision = "allow"\npriority = 100\n`,
    );
  }
  return {
    home,
    env: { HOME: home, USERPROFILE: home, TMPDIR: path.join(home, 'tmp'), GOOGLE_GEMINI_BASE_URL: serverUrl, GEMINI_API_KEY: 'AIza-loopback-test' },
  };
}

/**
 * OpenCode: the anthropic provider pointed at the server (OPENCODE_CONFIG_CONTENT),
 * everything it keeps under the scratch XDG folders, no model-list fetch,
 * sharing or plugin install. `allowShell` writes a user config that lets the
 * build agent run exactly those commands and nothing else.
 */
export function opencodeHome(home: string, serverUrl: string, allowShell: string[] = ['echo *']): AgentHome {
  const config = path.join(home, '.config');
  if (allowShell.length) {
    mkdirSync(path.join(config, 'opencode'), { recursive: true });
    const bash: Record<string, string> = { '*': 'deny' };
    for (const rule of allowShell) bash[rule] = 'allow';
    writeFileSync(path.join(config, 'opencode', 'opencode.json'), JSON.stringify({ permission: { '*': 'deny', read: 'allow', bash } }));
  }
  return {
    home,
    env: {
      HOME: home,
      XDG_CONFIG_HOME: config,
      XDG_DATA_HOME: path.join(home, '.local', 'share'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_STATE_HOME: path.join(home, '.local', 'state'),
      OPENCODE_CONFIG_CONTENT: JSON.stringify({ provider: { anthropic: { options: { baseURL: `${serverUrl}/v1`, apiKey: 'sk-ant-loopback-test' } } } }),
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_SHARE: '1',
      // OpenCode npm-installs its plugin package into its config folder in the background; offline, that fails at once.
      npm_config_offline: 'true',
    },
  };
}
