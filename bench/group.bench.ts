// Several agents on one prompt: the time from the command to every agent
// having started (its `started` event: the CLI is up and said so) for the
// four real CLIs and a model API at once, against the slowest of the same
// agents run alone, in interleaved rounds. Close to 1 means the group starts
// them side by side rather than one after another.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { claudeHome, codexHome, geminiHome, opencodeHome } from '../test/support/agentHomes';
import { ModelServer } from '../test/support/modelServer';
import { startCli, tool } from '../test/cli/harness';
import { median, pairedRatio } from './measure';

const AGENTS = ['claude', 'codex', 'gemini', 'opencode', 'anthropic'];

export async function benchGroup(rounds = 3) {
  const server = await new ModelServer().start();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'agent-relay-bench-group-'));
  try {
    const binDirs = await Promise.all((['claude', 'codex', 'gemini', 'opencode'] as const).map(async (t) => path.dirname((await tool(t)).bin)));
    const home = path.join(scratch, 'home');
    const work = path.join(scratch, 'work');
    execFileSync('mkdir', ['-p', work]);
    execFileSync('git', ['init', '-q'], { cwd: work });
    const env = { ...claudeHome(home, server.url).env, ...codexHome(home, server.url).env, ...geminiHome(home, server.url, []).env, ...opencodeHome(home, server.url, []).env, OPENAI_API_KEY: undefined, CODEX_API_KEY: undefined, HOME: home, ANTHROPIC_BASE_URL: server.url };
    /** ms from spawning the headless CLI to the last of `agents` having started; the run is then stopped. */
    const timeToStarted = async (agents: string[]): Promise<number> => {
      const t0 = performance.now();
      const s = startCli(['run', '--agent', agents.join(','), '--json', '--no-cache', '--max-concurrent', '5', '--storage', path.join(scratch, 'storage'), '--base-url', server.url, 'Hello'], { cwd: work, binDirs, env });
      const started = new Set<string>();
      let at = 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          for (const e of s.events as Array<{ agent?: string; event: { type: string } }>) if (e.event.type === 'started') started.add(e.agent ?? agents[0]);
          if (started.size === agents.length) {
            at = performance.now() - t0;
            clearInterval(timer);
            resolve();
          }
        }, 2);
        void s.done.then((r) => {
          clearInterval(timer);
          if (started.size < agents.length) reject(new Error(`not every agent started: ${r.stderr.slice(-1000)}`));
        });
      });
      await s.done;
      return at;
    };
    const group: number[] = [];
    const slowestAlone: number[] = [];
    const sumAlone: number[] = [];
    for (let r = 0; r < rounds; r++) {
      group.push(await timeToStarted(AGENTS));
      const alone: number[] = [];
      for (const a of AGENTS) alone.push(await timeToStarted([a]));
      slowestAlone.push(Math.max(...alone));
      sumAlone.push(alone.reduce((x, y) => x + y, 0));
    }
    const ratio = pairedRatio(slowestAlone, group); // group time over the slowest alone (> 1: slower)
    return {
      workload: `${AGENTS.join(', ')} on one prompt through the headless CLI (--max-concurrent 5) against each alone, ${rounds} interleaved rounds`,
      // On two cores five CLIs booting at once compete for them: the group is slower than the slowest alone, and faster than one after another.
      medianMs: { allStartedInGroup: Math.round(median(group)), slowestStartedAlone: Math.round(median(slowestAlone)), oneAfterAnother: Math.round(median(sumAlone)) },
      ratio: { groupVsSlowestAlone: Math.round(ratio.value * 100) / 100, spread: ratio.spread.map((x) => Math.round(x * 100) / 100) },
    };
  } finally {
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) void benchGroup().then((r) => console.log(JSON.stringify(r, null, 2)), (err) => { console.error(err); process.exit(1); });
