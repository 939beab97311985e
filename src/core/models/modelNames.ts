/**
 * Canonical model names (what a user types once) and what each provider calls
 * them. Names a table does not know pass through unchanged, so a full model id
 * always works. CLIs that resolve aliases themselves (Claude Code, Gemini CLI)
 * get the alias, which stays correct when they move it to a newer model.
 */
export const CANONICAL_MODELS = ['sonnet', 'opus', 'haiku', 'gpt-5', 'gpt-5-codex', 'gpt-5-mini', 'pro', 'flash', 'flash-lite'] as const;

type Table = Readonly<Record<string, Readonly<Record<string, string>>>>;

const deepFreeze = <T extends object>(o: T): T => {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
};

export const MODEL_TABLE: Table = deepFreeze({
  claude: { sonnet: 'sonnet', opus: 'opus', haiku: 'haiku' },
  anthropic: { sonnet: 'claude-sonnet-5', opus: 'claude-opus-4-8', haiku: 'claude-haiku-4-5-20251001' },
  codex: { 'gpt-5': 'gpt-5', 'gpt-5-codex': 'gpt-5-codex', 'gpt-5-mini': 'gpt-5-mini' },
  openai: { 'gpt-5': 'gpt-5', 'gpt-5-mini': 'gpt-5-mini', 'gpt-5-codex': 'gpt-5-codex' },
  gemini: { pro: 'pro', flash: 'flash', 'flash-lite': 'flash-lite' },
  opencode: {
    sonnet: 'anthropic/claude-sonnet-5',
    opus: 'anthropic/claude-opus-4-8',
    haiku: 'anthropic/claude-haiku-4-5-20251001',
    'gpt-5': 'openai/gpt-5',
    'gpt-5-codex': 'openai/gpt-5-codex',
    pro: 'google/gemini-2.5-pro',
    flash: 'google/gemini-2.5-flash',
  },
});

/** User overrides: provider id → canonical name → provider model id (setting agentRelay.models). */
export type ModelOverrides = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * Translation with overrides merged once into one frozen map per provider, so
 * a lookup is a single Map.get. Build a new translator when the overrides
 * change; never mutate one.
 */
export class ModelTranslator {
  private readonly maps: ReadonlyMap<string, ReadonlyMap<string, string>>;

  constructor(overrides: ModelOverrides = {}) {
    const maps = new Map<string, Map<string, string>>();
    for (const provider of new Set([...Object.keys(MODEL_TABLE), ...Object.keys(overrides)])) {
      const m = new Map<string, string>(Object.entries(MODEL_TABLE[provider] ?? {}));
      for (const [name, id] of Object.entries(overrides[provider] ?? {})) if (typeof id === 'string' && id.trim()) m.set(name, id.trim());
      maps.set(provider, m);
    }
    this.maps = maps;
  }

  /** The provider's id for `name` (canonical or already provider-specific). Empty stays empty. */
  translate(providerId: string, name: string | undefined): string | undefined {
    const trimmed = name?.trim();
    if (!trimmed) return undefined;
    return this.maps.get(providerId)?.get(trimmed) ?? trimmed;
  }
}
