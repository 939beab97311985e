// Where a Chromium-family browser for the tests is, on each platform. Shared by
// the tool bootstrap (scripts/ensure-test-tools.mjs) and the tests' launcher
// (test/support/chromium.ts), so both look in the same places. No downloads:
// Playwright drives the browser the machine already has.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Candidate executables, best first. `env` and `platform` are parameters so unit tests can try every platform. */
function browserCandidates(env = process.env, platform = process.platform) {
  const fromEnv = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : [];
  if (platform === 'darwin') {
    const apps = [
      'Chromium.app/Contents/MacOS/Chromium',
      'Google Chrome.app/Contents/MacOS/Google Chrome',
      'Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
      'Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ];
    const roots = ['/Applications', env.HOME ? path.posix.join(env.HOME, 'Applications') : undefined].filter(Boolean);
    return [...fromEnv, ...roots.flatMap((r) => apps.map((a) => path.posix.join(r, a)))];
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter(Boolean);
    const exes = ['Google\\Chrome\\Application\\chrome.exe', 'Chromium\\Application\\chrome.exe', 'Microsoft\\Edge\\Application\\msedge.exe'];
    return [...fromEnv, ...roots.flatMap((r) => exes.map((e) => path.win32.join(r, e)))];
  }
  return [...fromEnv, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/usr/bin/microsoft-edge', '/snap/bin/chromium'];
}

/** The first candidate that exists, or undefined. */
function findBrowser(env = process.env, platform = process.platform, exists = fs.existsSync) {
  return browserCandidates(env, platform).find((p) => exists(p));
}

/** One sentence saying what to install when no browser was found. */
function browserHint(platform = process.platform) {
  if (platform === 'darwin') return 'No Chrome, Chromium or Edge found in /Applications or ~/Applications: install one (e.g. `brew install --cask chromium`) or set CHROMIUM_PATH to its executable.';
  if (platform === 'win32') return 'No Chrome or Edge found under Program Files: install one or set CHROMIUM_PATH to its executable.';
  return 'Chromium not found: install it (Debian: `sudo apt-get install chromium`; Ubuntu, where chromium is a snap: install Google Chrome) or set CHROMIUM_PATH to its executable.';
}

module.exports = { browserCandidates, findBrowser, browserHint };
