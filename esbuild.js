// Builds the two bundles: the extension host (plus the headless CLI, which runs
// the same core) for Node, and the webview for the browser.
//   node esbuild.js [--watch] [--production] [--outdir DIR]   (default dist/; packaging builds elsewhere)
const esbuild = require('esbuild');
const fs = require('node:fs');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const outIndex = process.argv.indexOf('--outdir');
const outdir = outIndex > 0 ? process.argv[outIndex + 1] : 'dist';

/** Prints errors in the form the `$esbuild-watch` problem matcher understands. */
const problemMatcher = {
  name: 'esbuild-problem-matcher',
  setup(build) {
    build.onStart(() => {
      if (watch) console.log('[watch] build started');
    });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [problemMatcher],
};

async function main() {
  // No stale bundles or source maps from another mode.
  if (!watch) fs.rmSync(outdir, { recursive: true, force: true });
  const contexts = await Promise.all([
    esbuild.context({
      ...common,
      // httpProviders and otlpExporter are files of their own so the extension can load them on first use.
      entryPoints: { extension: 'src/extension.ts', httpProviders: 'src/httpProviders.ts', otlpExporter: 'src/otlpExporter.ts' },
      outdir,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      // Our activation time is measured from the bundle's first line (a module-scoped variable, not a global).
      banner: { js: '"use strict";\nvar __agentRelayLoadedAt = performance.now();' },
    }),
    // The headless CLI, installed as the `agent-relay` command (package.json "bin").
    esbuild.context({
      ...common,
      entryPoints: { cli: 'src/cli.ts' },
      outdir,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      banner: { js: '#!/usr/bin/env node' },
      // The version its exported metrics carry (the extension reads its own from its manifest).
      define: { AGENT_RELAY_VERSION: JSON.stringify(require('./package.json').version) },
    }),
    esbuild.context({
      ...common,
      entryPoints: { panel: 'src/webview/main.ts', compare: 'src/webview/compare.ts', performance: 'src/webview/performance.ts' },
      outdir: `${outdir}/webview`,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
    }),
  ]);
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    return;
  }
  await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
