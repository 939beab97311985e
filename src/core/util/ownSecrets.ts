/**
 * Environment variables that hold Agent Relay's own secrets (the headless
 * cache secret). They are removed from every agent's environment: an agent,
 * and every tool it runs, would otherwise see them.
 */
export const OWN_SECRET_ENV: readonly string[] = ['AGENT_RELAY_CACHE_SECRET'];
