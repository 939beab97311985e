// The side channel between the mocha suite (inside the VS Code extension host)
// and the browser that renders the workbench: neither can see the other, so the
// runner serves a small loopback HTTP API over its Playwright page, and the
// suite calls it to read webview DOM, press keys and take screenshots.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame, Page } from 'playwright-core';

export interface WebviewSnapshot {
  found: boolean;
  /** innerText of the selected element. */
  text?: string;
  /** Number of elements matching `count`, when asked. */
  count?: number;
  /** Value of a global in the webview's window, when asked (to prove no script ran). */
  global?: unknown;
}

/** Finds the frame whose document shows the panel of `runId`. */
async function webviewFrame(page: Page, runId: string): Promise<Frame | undefined> {
  for (const frame of page.frames()) {
    try {
      // Browser-side code is passed as text: this file is compiled without DOM types.
      const id = await frame.evaluate('document.body?.dataset?.runId ?? null');
      if (id === runId) return frame;
    } catch {
      // detached or cross-origin frame in transition
    }
  }
  return undefined;
}

export async function startBrowserProbe(getPage: () => Page | undefined): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const page = getPage();
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!page) return reply(503, { error: 'no page yet' });
    try {
      switch (url.pathname) {
        case '/webview': {
          const frame = await webviewFrame(page, url.searchParams.get('runId') ?? '');
          if (!frame) return reply(200, { found: false } satisfies WebviewSnapshot);
          const selector = url.searchParams.get('selector') ?? '#transcript';
          const count = url.searchParams.get('count');
          const global = url.searchParams.get('global');
          const snap = (await frame.evaluate(`(() => {
            const [sel, cnt, glob] = ${JSON.stringify([selector, count, global])};
            const node = document.querySelector(sel);
            return {
              found: Boolean(node),
              text: node ? node.innerText : undefined,
              count: cnt ? document.querySelectorAll(cnt).length : undefined,
              global: glob ? (window[glob] ?? null) : undefined,
            };
          })()`)) as WebviewSnapshot;
          return reply(200, snap satisfies WebviewSnapshot);
        }
        case '/workbench': {
          // Text of an element of the workbench itself (views, status bar), not of a webview.
          const selector = url.searchParams.get('selector') ?? 'body';
          const text = (await page.evaluate(`(() => { const n = document.querySelector(${JSON.stringify(selector)}); return n ? n.innerText : null; })()`)) as string | null;
          return reply(200, { found: text !== null, text: text ?? undefined } satisfies WebviewSnapshot);
        }
        case '/eval': {
          // Runs browser code in a run's webview (to act where no button can, e.g. a click the page would refuse).
          const frame = await webviewFrame(page, url.searchParams.get('runId') ?? '');
          if (!frame) return reply(404, { error: 'no such webview' });
          const value = await frame.evaluate(url.searchParams.get('expression') ?? 'null');
          return reply(200, { value: value ?? null });
        }
        case '/click': {
          const frame = await webviewFrame(page, url.searchParams.get('runId') ?? '');
          if (!frame) return reply(404, { error: 'no such webview' });
          await frame.click(url.searchParams.get('selector') ?? 'button');
          return reply(200, { ok: true });
        }
        case '/keyboard': {
          const press = url.searchParams.get('press');
          const type = url.searchParams.get('type');
          if (type !== null) await page.keyboard.type(type, { delay: 5 });
          if (press) await page.keyboard.press(press);
          return reply(200, { ok: true });
        }
        case '/screenshot': {
          const file = url.searchParams.get('path');
          if (!file) return reply(400, { error: 'path required' });
          await page.screenshot({ path: file });
          return reply(200, { ok: true });
        }
        default:
          return reply(404, { error: `no route ${url.pathname}` });
      }
    } catch (err) {
      return reply(500, { error: String(err) });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
