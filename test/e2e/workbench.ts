// Driving a VS Code workbench (code-server in headless Chromium) the way a user
// does: the command palette, quick picks, input boxes, views and webviews. For
// end-to-end tests that run outside the extension host: the `npm start` demo
// and the installed VSIX.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { waitFor } from '../support/processes';

const RESULTS = path.resolve(__dirname, '../../../test-results');

/** Upper bound for one UI step: far above what it takes on a loaded 2-core machine. */
export const STEP_MS = 60_000;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once `url` answers 200; rejects if `proc` exits first. */
export async function waitForHttp(url: string, proc: ChildProcess, ms = 120_000): Promise<void> {
  const ok = await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`${proc.spawnfile} exited early with code ${proc.exitCode}`);
    try {
      return (await fetch(url)).ok;
    } catch {
      return false;
    }
  }, ms, 250);
  if (!ok) throw new Error(`${url} did not answer within ${ms} ms`);
}

export interface Workbench {
  browser: Browser;
  page: Page;
  /** Saves a screenshot under test-results/ (for failures). */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens the workbench at `url` and waits until it is drawn. */
export async function openWorkbench(url: string): Promise<Workbench> {
  const browser = await launchChromium();
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(url);
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 120_000 });
  const screenshot = async (name: string) => {
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, name) }).catch(() => undefined);
  };
  return { browser, page, screenshot, close: () => browser.close().catch(() => undefined) };
}

const quickInput = (page: Page) => page.locator('.quick-input-widget');

/**
 * Runs a command from the palette by its title ("Agent Relay: Run Agent…").
 * The palette lists the commands known when it opens, and at startup an
 * extension's may not be registered yet: until the row appears, close the
 * palette and open it again.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = quickInput(page).locator('.quick-input-box input');
  const row = quickInput(page).locator('.monaco-list-row', { hasText: title }).first();
  const shown = await waitFor(async () => {
    if (await input.isVisible()) await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    if (!(await input.waitFor({ state: 'visible', timeout: 2000 }).then(() => true, () => false))) return false;
    // The palette's filter does not match a trailing "…"; the row is then chosen by its whole title.
    await input.fill(`>${title.replace(/…$/, '')}`);
    return row.waitFor({ timeout: 3000 }).then(() => true, () => false);
  }, STEP_MS, 0);
  if (!shown) throw new Error(`the command palette never listed "${title}"`);
  await row.click({ timeout: STEP_MS });
}

/** Picks the item labelled `label` in the quick pick titled `title`. */
export async function pickItem(page: Page, title: string, label: string): Promise<void> {
  await quickInput(page).locator('.quick-input-title', { hasText: title }).waitFor({ timeout: STEP_MS });
  await quickInput(page).locator('.monaco-list-row', { hasText: label }).first().click({ timeout: STEP_MS });
}

/** Types `text` into the input box titled `title` and accepts it. */
export async function submitInput(page: Page, title: string, text: string): Promise<void> {
  await quickInput(page).locator('.quick-input-title', { hasText: title }).waitFor({ timeout: STEP_MS });
  const input = quickInput(page).locator('.quick-input-box input');
  await input.fill(text);
  await page.keyboard.press('Enter');
}

/** The first frame in which `expression` (evaluated as browser code) is truthy. */
export async function findFrame(page: Page, expression: string): Promise<Frame | undefined> {
  for (const frame of page.frames()) {
    try {
      if (await frame.evaluate(expression)) return frame;
    } catch {
      // a detached or navigating frame
    }
  }
  return undefined;
}

/** Waits for a run panel's webview whose `selector` text satisfies `predicate`; returns that frame and text. */
export async function waitForPanelText(page: Page, predicate: (text: string) => boolean, selector = '#transcript', ms = 120_000): Promise<{ frame: Frame; text: string }> {
  let found: { frame: Frame; text: string } | undefined;
  let last = '';
  await waitFor(async () => {
    for (const frame of page.frames()) {
      try {
        const text = (await frame.evaluate(`(() => { const n = document.body?.dataset?.runId !== undefined && document.querySelector(${JSON.stringify(selector)}); return n ? n.innerText : null; })()`)) as string | null;
        if (text === null) continue;
        last = text;
        if (predicate(text)) {
          found = { frame, text };
          return true;
        }
      } catch {
        // keep looking
      }
    }
    return false;
  }, ms, 200);
  if (!found) throw new Error(`no run panel showed what was expected in ${selector}; last text:\n${last}`);
  return found;
}

/** Starts a process whose stdout eventually prints a line matching `pattern`; resolves with the match. */
export function startAndWaitFor(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }, pattern: RegExp, ms = 600_000): { child: ChildProcess; matched: Promise<RegExpExecArray>; output(): string } {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const matched = new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} printed nothing matching ${pattern} within ${ms} ms:\n${out}`)), ms);
    const check = (chunk: Buffer) => {
      out += chunk.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with code ${code} before printing ${pattern}:\n${out}`));
    });
  });
  matched.catch(() => undefined);
  return { child, matched, output: () => out };
}
