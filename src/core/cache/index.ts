// The response cache's public API: what the VS Code host and the headless CLI use.
export { ResponseCache, type ResponseCacheOptions, type CacheState, type CacheStatsReport } from './responseCache';
export { WorkspaceCache, type LookupOptions, type LookupResult, type StoreResult, type VerifyReport, type WorkspaceStats, type CacheActivity } from './workspaceCache';
export { CachingProvider, type CacheRunPlan, type CachingProviderOptions } from './cachingProvider';
export { cacheKey, KEY_SCHEMA_VERSION, type AgentKeyFields, type CacheKey, type CacheKeyInput } from './cacheKey';
export { DEFAULT_POLICY, type CacheMode, type CachePolicy, type RunTraits } from './cachePolicy';
export { newCacheSecret, cacheSecretFromKey, encodeSecret, decodeSecret, CacheSecretError, type CacheSecret } from './cacheSecret';
export { loadHeadlessSecret, SECRET_ENV, type HeadlessSecret } from './secretFile';
export { workspaceId, type WorkspaceLocation } from './workspaceId';
export { workspaceFingerprint, type WorkspaceState } from './workspaceFingerprint';
export type { CacheCounters } from './cacheStats';
export type { SweepReport } from './sweeper';
export { CACHE_DIR_NAME, KEY_FILE_NAME } from './cacheLayout';
export { RefusedPath, type Refusal } from './fsLike';
export { cliAnswerInputs, cliRunPlan, httpRunPlan, type AnswerInputs } from './runPlans';
export { cacheStatusLine, cacheStatsTable, compactCount, formatBytes, hitRate } from './statsText';
