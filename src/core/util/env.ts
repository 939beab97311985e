/** An environment as the locator and the agents read it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Case-insensitive env lookup: Windows spells it `Path` as often as `PATH`. */
export function envValue(env: Env, name: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'win32') return env[name];
  const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
  return key === undefined ? undefined : env[key];
}
