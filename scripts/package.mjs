#!/usr/bin/env node
// `npm run package`: builds agent-relay-<version>.vsix with @vscode/vsce from
// the production bundles, offline, and checks what went in.
//
// The package is built in a staging folder (the allow-listed files plus
// production bundles), so the working tree's development build is left alone.
// It refuses a version whose CHANGELOG section is missing, and fails when the
// VSIX holds anything the allow-list does not name or lacks anything it does,
// or when a README image does not resolve inside the package.
//
//   node scripts/package.mjs [--out FILE] [--json]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Every file the VSIX must hold, and nothing else (paths inside the VSIX). */
export function expectedFiles(rootDir = root) {
  // media/ holds only what the package uses: icons, the panel's stylesheet, the README's images.
  const media = readdirSync(join(rootDir, 'media'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(rootDir, join(e.parentPath ?? e.path, e.name)).split(sep).join('/'));
  return [
    '[Content_Types].xml',
    'extension.vsixmanifest',
    'extension/package.json',
    'extension/package.nls.json',
    'extension/readme.md',
    'extension/changelog.md',
    'extension/LICENSE.txt',
    'extension/dist/extension.js',
    'extension/dist/httpProviders.js',
    'extension/dist/otlpExporter.js',
    'extension/dist/webview/panel.js',
    'extension/dist/webview/compare.js',
    'extension/dist/webview/performance.js',
    'extension/l10n/bundle.l10n.json',
    ...media.map((f) => `extension/${f}`),
  ].sort();
}

/** The CHANGELOG section of `version`, or undefined. */
export function changelogSection(changelog, version) {
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^## \\[${escaped}\\][^\\n]*\\n([\\s\\S]*?)(?=^## \\[|(?![\\s\\S]))`, 'm').exec(changelog);
  return m && m[1].trim() ? m[1].trim() : undefined;
}

/** Relative image links in Markdown (`![alt](path)` and `<img src="path">`). */
export function imageLinks(markdown) {
  const links = [...markdown.matchAll(/!\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g), ...markdown.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
  return links.filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l));
}

function listZip(file) {
  const yauzl = require('yauzl');
  return new Promise((res, rej) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return rej(err);
      const names = [];
      zip.on('entry', (e) => {
        if (!e.fileName.endsWith('/')) names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => res(names.sort()));
      zip.on('error', rej);
      zip.readEntry();
    });
  });
}

function readZipEntry(file, name) {
  const yauzl = require('yauzl');
  return new Promise((res, rej) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return rej(err);
      zip.on('entry', (e) => {
        if (e.fileName !== name) return zip.readEntry();
        zip.openReadStream(e, (error, stream) => {
          if (error) return rej(error);
          const chunks = [];
          stream.on('data', (c) => chunks.push(c));
          stream.on('end', () => {
            zip.close();
            res(Buffer.concat(chunks).toString('utf8'));
          });
        });
      });
      zip.on('end', () => rej(new Error(`${name} is not in ${file}`)));
      zip.readEntry();
    });
  });
}

export async function packageVsix({ out } = {}) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
  if (!changelogSection(changelog, pkg.version)) {
    throw new Error(`CHANGELOG.md has no "## [${pkg.version}]" section: write the release notes of ${pkg.version} (move what is under [Unreleased]) before packaging it.`);
  }
  const vsix = resolve(out ?? join(root, `${pkg.name}-${pkg.version}.vsix`));
  const stage = mkdtempSync(join(tmpdir(), 'agent-relay-package-'));
  try {
    for (const f of ['package.nls.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'media', 'l10n']) cpSync(join(root, f), join(stage, f), { recursive: true });
    // `files` is for npm pack (the CLI); vsce refuses it next to .vscodeignore.
    const { files: _npmFiles, ...manifest } = pkg;
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    execFileSync(process.execPath, [join(root, 'esbuild.js'), '--production', '--outdir', join(stage, 'dist')], { cwd: root, stdio: 'inherit' });
    const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
    // Relative README links stay relative: the images ship in the package and resolve there.
    execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--out', vsix], {
      cwd: stage,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, VSCE_TELEMETRY_OPTOUT: '1' },
    });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }

  const files = await listZip(vsix);
  const expected = expectedFiles();
  const missing = expected.filter((f) => !files.includes(f));
  const extra = files.filter((f) => !expected.includes(f));
  const readme = await readZipEntry(vsix, 'extension/readme.md');
  const unresolved = imageLinks(readme).filter((l) => !files.includes(`extension/${l.replace(/^\.\//, '')}`));
  const problems = [
    ...missing.map((f) => `missing: ${f}`),
    ...extra.map((f) => `not on the allow-list: ${f}`),
    ...unresolved.map((l) => `README image does not resolve inside the package: ${l}`),
  ];
  if (problems.length) throw new Error(`${vsix}:\n- ${problems.join('\n- ')}`);
  return { file: vsix, bytes: statSync(vsix).size, files };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // No top-level await: tests load this module with require().
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  packageVsix({ out: outAt >= 0 ? args[outAt + 1] : undefined }).then(
    (r) => {
      if (args.includes('--json')) console.log(JSON.stringify(r));
      else console.log(`\n${r.file}: ${(r.bytes / 1024).toFixed(0)} KB, ${r.files.length} files, all on the allow-list.`);
    },
    (err) => {
      console.error(`\n${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
