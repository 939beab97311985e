import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

// The same places the tool bootstrap looks (scripts/lib/browser.cjs); Playwright's own browser downloads are not used.
const browsers = require(path.resolve(__dirname, '../../../scripts/lib/browser.cjs')) as {
  findBrowser(env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform): string | undefined;
  browserHint(platform?: NodeJS.Platform): string;
};

/** The machine's Chromium, Chrome or Edge (CHROMIUM_PATH first). */
export function chromiumPath(): string {
  const found = browsers.findBrowser();
  if (!found) throw new Error(browsers.browserHint());
  return found;
}

/** Headless Chromium with the flags a shared, offline, root-run CI machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}
