// Costs around running agents: provider cache hits vs creating providers,
// model-name translation, CLI detection (cold, cached, plain PATH search), and
// an HTTP request on a warm keep-alive connection vs a new one.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claudeAgent } from '../src/core/agents/claude';
import { CliAgentProvider } from '../src/core/cli/cliProvider';
import { HttpClient, readText } from '../src/core/http/httpClient';
import { locateCli } from '../src/core/locate/cliLocator';
import { DetectionCache } from '../src/core/locate/detectionCache';
import { ModelTranslator } from '../src/core/models/modelNames';
import { ProviderCache } from '../src/core/providers/providerCache';
import { createHttpProvider } from '../src/httpProviders';
import { ModelServer } from '../test/support/modelServer';
import { interleavedWithRounds, roundRatio } from './measure';

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const perOp = (ms: number, n: number) => round((ms * 1e3) / n, 3); // µs per operation

async function providerCache(n = 20_000) {
  const config = { baseUrl: 'https://api.anthropic.com', model: 'claude-sonnet-5', maxTokens: 4096 };
  const cache = new ProviderCache();
  const key = async () => undefined;
  cache.get('ws', 'anthropic', config, () => createHttpProvider('anthropic', config, key));
  const created: Array<{ dispose(): void }> = [];
  const { median: t, rounds } = await interleavedWithRounds(5, {
    cacheHit: () => {
      for (let i = 0; i < n; i++) cache.get('ws', 'anthropic', config, () => createHttpProvider('anthropic', config, key));
    },
    create: () => {
      for (let i = 0; i < n; i++) created.push(createHttpProvider('anthropic', config, key));
      for (const p of created.splice(0)) p.dispose();
    },
    createCliProvider: () => {
      for (let i = 0; i < n; i++) new CliAgentProvider(claudeAgent, { locate: async () => ({ found: false, agentId: 'claude', trail: [], message: '' }) });
    },
  });
  return {
    operations: n,
    usPerOp: { cacheHit: perOp(t.cacheHit, n), createHttpProvider: perOp(t.create, n), createCliProvider: perOp(t.createCliProvider, n) },
    ratio: { httpCreateVsHit: round(t.create / t.cacheHit) },
    spread: { httpCreateVsHit: roundRatio(rounds.create, rounds.cacheHit, 2).spread },
    note: 'a hit includes hashing the canonical JSON of the configuration (SHA-256)',
  };
}

async function modelTranslation(n = 200_000) {
  const overrides = { anthropic: { sonnet: 'claude-sonnet-4-5-20250929' } };
  const translator = new ModelTranslator(overrides);
  let sink = 0;
  const { median: t, rounds } = await interleavedWithRounds(5, {
    cached: () => {
      for (let i = 0; i < n; i++) sink += translator.translate('anthropic', i & 1 ? 'sonnet' : 'opus')!.length;
    },
    rebuiltEachTime: () => {
      for (let i = 0; i < n / 100; i++) sink += new ModelTranslator(overrides).translate('anthropic', 'sonnet')!.length;
    },
  });
  return {
    operations: n,
    usPerOp: { cached: perOp(t.cached, n), rebuiltEachTime: perOp(t.rebuiltEachTime, n / 100) },
    ratio: { rebuiltVsCached: round(perOp(t.rebuiltEachTime, n / 100) / perOp(t.cached, n)) },
    // Per round, per operation (a rebuilt lookup does a hundredth as many).
    spread: { rebuiltVsCached: roundRatio(rounds.rebuiltEachTime.map((x) => x * 100), rounds.cached, 2).spread },
    sink: sink > 0,
  };
}

/** A `which`: PATH directories in order, first executable match. */
async function which(name: string, pathValue: string): Promise<string | undefined> {
  for (const dir of pathValue.split(path.delimiter)) {
    const file = path.join(dir, name);
    try {
      await fs.access(file, fs.constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return undefined;
}

export async function detection(claudeBin: string | undefined) {
  // A realistic PATH: a dozen directories, the CLI in the last one.
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-bench-'));
  const dirs = await Promise.all(Array.from({ length: 12 }, async (_, i) => {
    const d = path.join(tmp, `d${i}`);
    await fs.mkdir(d);
    return d;
  }));
  const binDir = claudeBin ? path.dirname(claudeBin) : dirs[11];
  if (!claudeBin) {
    await fs.writeFile(path.join(binDir, 'claude'), '#!/bin/sh\necho 0\n', { mode: 0o755 });
  }
  const PATH = [...dirs, binDir].join(path.delimiter);
  const ctx = { platform: process.platform, env: { PATH }, home: tmp, settingKey: 'agentRelay.claude.path' };
  const cache = new DetectionCache();
  await cache.get('ws', 'claude', () => locateCli(claudeAgent, ctx));
  const n = 200;
  const { median: t, rounds } = await interleavedWithRounds(5, {
    cold: async () => {
      for (let i = 0; i < n; i++) await locateCli(claudeAgent, ctx);
    },
    cached: async () => {
      for (let i = 0; i < n; i++) await cache.get('ws', 'claude', () => locateCli(claudeAgent, ctx));
    },
    whichStyle: async () => {
      for (let i = 0; i < n; i++) await which('claude', PATH);
    },
  });
  await fs.rm(tmp, { recursive: true, force: true });
  return {
    pathDirectories: dirs.length + 1,
    usPerLookup: { cold: perOp(t.cold, n), cached: perOp(t.cached, n), whichStyle: perOp(t.whichStyle, n) },
    ratio: { coldVsCached: round(t.cold / t.cached), coldVsWhich: round(t.cold / t.whichStyle) },
    spread: { coldVsCached: roundRatio(rounds.cold, rounds.cached, 1).spread, coldVsWhich: roundRatio(rounds.cold, rounds.whichStyle, 2).spread },
    note: 'cold = the locator (setting, PATH, then records its trail); which = first X_OK match on PATH only',
  };
}

export async function httpConnections() {
  const server = await new ModelServer().start();
  server.eventDelayMs = 0;
  const n = 100;
  const warm = new HttpClient(server.url);
  const body = { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }; // stream:false → one small JSON reply
  const request = async (client: HttpClient) => {
    const res = await client.postJson('v1/messages', body, {}, new AbortController().signal);
    await readText(res.body);
    return res.reusedConnection;
  };
  await request(warm);
  let reused = 0;
  const before = server.connections;
  const { median: t, rounds } = await interleavedWithRounds(5, {
    warm: async () => {
      for (let i = 0; i < n; i++) reused += (await request(warm)) ? 1 : 0;
    },
    cold: async () => {
      for (let i = 0; i < n; i++) {
        const c = new HttpClient(server.url);
        await request(c);
        c.dispose();
      }
    },
  });
  const connectionsOpened = server.connections - before;
  warm.dispose();
  await server.close();
  return {
    requests: n,
    usPerRequest: { warmConnection: perOp(t.warm, n), newConnection: perOp(t.cold, n) },
    ratio: { newVsWarm: round(t.cold / t.warm) },
    spread: { newVsWarm: roundRatio(rounds.cold, rounds.warm, 2).spread },
    warmRequestsThatReused: `${reused}/${n * 5}`,
    reusedShare: reused / (n * 5),
    connectionsOpened,
    note: 'loopback, so connection setup is TCP only; over TLS to a remote API the gap is far larger',
  };
}

export async function benchAgents(claudeBin?: string) {
  return {
    providerCache: await providerCache(),
    modelTranslation: await modelTranslation(),
    cliDetection: await detection(claudeBin),
    httpConnections: await httpConnections(),
  };
}
