import { randomUUID } from 'node:crypto';
import type { CliAgentSpec } from '../agents/cliAgent';
import type { AgentProvider, RunRequest } from '../agents/provider';
import { CachingProvider, cliAnswerInputs, cliRunPlan, httpRunPlan, type CacheRunPlan, type WorkspaceCache } from '../cache';
import { CliAgentProvider } from '../cli/cliProvider';
import type { CreateHttpProvider } from '../http/httpAgents';
import type { Detection } from '../locate/cliLocator';
import type { LocateHints } from '../locate/detector';
import type { Logger } from '../log';
import type { ProviderCache } from '../providers/providerCache';
import { AgentRun } from './agentRun';
import type { AgentCatalog, AgentEntry } from './catalog';
import { UserInputError } from './prompt';
import { RateLimitedProvider, type RateLimits } from './rateLimit';
import { RetryingProvider } from './retry';
import { checkRunSpec, type RunSpec } from './runSpec';
import type { TurnOf } from './conversation';

/** What assembling a run needs from its host (VS Code or the headless CLI). */
export interface RunServices {
  catalog: AgentCatalog;
  /** Provider instances, kept per scope and configuration. */
  providers: ProviderCache;
  /** Finds a CLI, cached per scope by the host. */
  detect(spec: CliAgentSpec, scope: string, hints: LocateHints): Promise<Detection>;
  /** The HTTP providers (the extension loads their bundle the first time one runs). */
  httpProviders(): CreateHttpProvider;
  apiKey(agentId: string): Promise<string | undefined>;
  /** The response cache for the run's scope; undefined when it is off or unusable. Opened on the first run. */
  responseCache(spec: RunSpec): Promise<WorkspaceCache | undefined>;
  rateLimits: RateLimits;
  logger(runId: string): Logger;
}

/**
 * The one way a run is built, in VS Code and headless alike: the agent's
 * provider (cached per scope and configuration), then the rate limit (model
 * APIs), the retry layer, and the response cache around it all, in a queued
 * AgentRun. Throws a UserInputError for an unknown agent or a prompt that must
 * not queue; nothing has started then.
 */
export function createRun(spec: RunSpec, services: RunServices, id: string = randomUUID()): AgentRun {
  checkRunSpec(spec);
  const agent = services.catalog.find(spec.agentId);
  if (!agent) throw new UserInputError(services.catalog.unknownMessage(spec.agentId));
  const logger = services.logger(id);
  const { provider, plan, creation } = agentProvider(agent, spec, services, logger);
  let layered: AgentProvider = provider;
  if (spec.http) {
    const { baseUrl } = spec.http.config;
    const limiter = services.rateLimits.get(`${agent.id}\0${baseUrl}`, spec.http.requestsPerMinute);
    if (limiter) layered = new RateLimitedProvider(layered, limiter, `${spec.http.requestsPerMinute} requests a minute to ${baseUrl} (agentRelay.${agent.id}.requestsPerMinute)`);
  }
  layered = new RetryingProvider(layered, { retries: spec.retries });
  if (plan && spec.cache !== 'off') layered = withResponseCache(layered, () => services.responseCache(spec), (r) => plan(r, spec.cache === 'bypass'));
  const run = new AgentRun(
    layered,
    { prompt: spec.prompt, cwd: spec.cwd, options: spec.cli?.options ?? {}, history: spec.conversation?.history, maxLineChars: Math.max(1, spec.maxLineMegabytes ?? 64) * 1024 * 1024 },
    { id, logger, timeoutMs: spec.timeoutMs, label: { agentName: agent.displayName, prompt: spec.title.prompt, context: spec.title.context, conversation: turnOf(spec), group: spec.group } },
  );
  if (creation) run.metrics.provider.creation = creation;
  return run;
}

function turnOf(spec: RunSpec): TurnOf | undefined {
  const c = spec.conversation;
  return c && { conversationId: c.conversationId, turn: c.turn, replaces: c.replaces, note: c.note };
}

type Plan = (request: RunRequest, bypass: boolean) => Promise<CacheRunPlan>;

/**
 * The (cached) provider for an agent, and how to describe its runs to the
 * response cache. Providers from other extensions are not cached: nothing
 * says what their answers depend on.
 */
function agentProvider(agent: AgentEntry, spec: RunSpec, services: RunServices, logger: Logger): { provider: AgentProvider; plan?: Plan; creation?: { ms: number; cached: boolean } } {
  // The provider instance from the cache, or made now (an API's first also loads the HTTP providers' bundle): timed for the run's metrics.
  let creation: { ms: number; cached: boolean } | undefined;
  const cachedProvider = (config: unknown, create: () => AgentProvider) => {
    const before = services.providers.created;
    const t0 = performance.now();
    const p = services.providers.get(spec.scope, agent.id, config, create);
    creation = { ms: Math.round((performance.now() - t0) * 100) / 100, cached: services.providers.created === before };
    return p;
  };
  switch (agent.kind) {
    case 'external':
      return { provider: agent.provider };
    case 'cli': {
      const cli = spec.cli ?? { pathSettingKey: `agentRelay.${agent.id}.path`, options: {} };
      // Options that cannot be passed safely (a flag-like model, a malformed allow rule) are refused now, before the run queues.
      agent.spec.invocation(spec.prompt, cli.options);
      const hints: LocateHints = { configuredPath: cli.path, settingIgnoredUntrusted: cli.pathIgnored, settingKey: cli.pathSettingKey, baseDir: spec.cwd };
      const locate = () => services.detect(agent.spec, spec.scope, hints);
      const config = { path: cli.path, env: cli.options.environment };
      const provider = cachedProvider(config, () => new CliAgentProvider(agent.spec, { locate }));
      return {
        provider,
        creation,
        plan: async (request, bypass) => {
          const d = await locate();
          return cliRunPlan(agent.spec, request, d.found ? await d.version() : undefined, bypass, await cliAnswerInputs(agent.spec, request));
        },
      };
    }
    case 'http': {
      if (!spec.http) throw new Error(`No settings resolved for ${agent.displayName}.`);
      const { config } = spec.http;
      const provider = cachedProvider(config, () => {
        logger.info(`new ${agent.displayName} client for ${config.baseUrl} (${config.model})`);
        return services.httpProviders()(agent.spec.id, config, () => services.apiKey(agent.id));
      });
      return { provider, creation, plan: async (request, bypass) => httpRunPlan(agent.spec, config, request, bypass) };
    }
  }
}

/** The response cache around a provider, opened when the run starts (the first run opens it). */
function withResponseCache(inner: AgentProvider, cache: () => Promise<WorkspaceCache | undefined>, describe: (r: RunRequest) => Promise<CacheRunPlan>): AgentProvider {
  return {
    id: inner.id,
    displayName: inner.displayName,
    run: async (request, ctx) => {
      const ws = await cache();
      return ws ? new CachingProvider(inner, { cache: ws, describe }).run(request, ctx) : inner.run(request, ctx);
    },
  };
}
