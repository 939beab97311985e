import { OWN_SECRET_ENV } from '../util/ownSecrets';

/**
 * The environment an agent process gets: the user's (agents may log in with
 * the user's own ANTHROPIC_API_KEY; their tools need PATH, proxies and CA
 * settings), the agent's own variables on top (a value of undefined removes
 * one), PWD set to the run's folder (tools that trust $PWD must see the folder
 * the run is in, not the editor's launch folder), and none of Agent Relay's
 * own secrets, whatever the other layers said. Names compare case-insensitively
 * on Windows, as Windows does.
 */
export function agentEnvironment(
  base: NodeJS.ProcessEnv,
  own: Readonly<Record<string, string | undefined>>,
  cwd: string,
  platform: NodeJS.Platform = process.platform,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  const same = (a: string, b: string) => (platform === 'win32' ? a.toUpperCase() === b.toUpperCase() : a === b);
  const remove = (name: string) => {
    for (const k of Object.keys(env)) if (same(k, name)) delete env[k];
  };
  remove('PWD');
  env.PWD = cwd;
  for (const [k, v] of Object.entries(own)) {
    remove(k);
    if (v !== undefined) env[k] = v;
  }
  for (const secret of OWN_SECRET_ENV) remove(secret);
  return env;
}
