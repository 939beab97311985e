#!/usr/bin/env node
// Renders the Marketplace icon (docs/images/icon.svg → media/icon.png, 128×128)
// in the machine's Chromium. Run after changing the SVG; the PNG is committed,
// since the Marketplace takes PNG icons only.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { findBrowser, browserHint } = createRequire(import.meta.url)('./lib/browser.cjs');
const executablePath = findBrowser();
if (!executablePath) throw new Error(browserHint());
const svg = readFileSync(join(root, 'docs', 'images', 'icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
await page.locator('svg').screenshot({ path: join(root, 'media', 'icon.png'), omitBackground: true });
await browser.close();
console.log('wrote media/icon.png');
