// The model server's reply logic, shared by every wire format: what to answer
// (planReply) and small helpers for writing responses. No wire format here.
import type * as http from 'node:http';
import * as path from 'node:path';
import type { ModelServer } from './modelServer';

/** What the conversation so far asks for, as any wire format reads it. */
export interface Conversation {
  /** All user-side text (prompts), joined. */
  userText: string;
  /** Output of the tool call answered by the latest message, if it is a tool result. */
  toolResult?: string;
  /** Names of the tools the client offered (formats that say). */
  tools?: string[];
  /** The working folder the client's system prompt names (Claude Code says it). */
  cwd?: string;
  /** The wire format the request came in (so one prompt can get a different answer per agent). */
  wire?: string;
}

export interface ReplyOptions {
  /**
   * Answer a prompt without directives as the `npm start -- --demo` model does:
   * one read-only tool call (Read of src/greet.js) when the client offers it
   * and says its folder, then a short Markdown answer that quotes the tool's
   * output.
   */
  demo?: boolean;
}

/**
 * The reply, independent of wire format. Directives in the prompt:
 *   RUN_TOOL: run echo X   call the shell tool with `echo X` (or `printenv X`), then report its output;
 *                          `{wire}` in it becomes the request's wire format (a different file content per agent)
 *   GATE:name              stream `before`, hold until release(name), stream `after`
 *   HANG                   stream `before`, then hold until the client goes away
 *   CUT_STREAM             stream `before`, then drop the connection
 *   STREAM_ERROR           stream `before`, then an in-stream error event
 *   API_ERROR:nnn          answer with HTTP status nnn and an error body (RETRY_AFTER:s adds that header;
 *                          ERROR_BODY:text sends the rest of the line as the error's message, as a hostile server would)
 *   FLAKY:name:n:nnn       the first n requests carrying it answer HTTP nnn (counted by the server), later ones as usual
 *   FAIL_AFTER_TOOL:nnn    with RUN_TOOL: the turn that brings the tool's result answers HTTP nnn
 *   LONG_OUTPUT:n          n paragraphs of markdown
 *   PACED:r:n              n KiB of markdown in 100-character deltas, at r KiB/s (the Anthropic and OpenAI chat wires pace it)
 *   SLOW_START:ms          the greeting, with ms before its first word (Anthropic wire): a slower model
 *   XSS                    markdown carrying HTML and script that must not run
 *   UNICODE                multi-byte text (for splitting at awkward bytes)
 *   RECALL                 answer with what a REMEMBER:word earlier in the conversation said (a follow-up
 *                          that really resumed its session, or got the history, can; a fresh one cannot)
 *   (anything else)        a short greeting in three deltas
 */
export type Plan =
  /** `bytesPerSec`: write the parts no faster than this (a steady stream, for latency benchmarks). */
  | { kind: 'text'; parts: string[]; bytesPerSec?: number; firstTokenDelayMs?: number }
  /** A shell command, or `call` verbatim for formats that support it. */
  | { kind: 'tool'; preface: string; command: string; call?: { name: string; input: Record<string, unknown> } }
  /** `retryAfter`: seconds for a Retry-After header; `body`: the error message the API sends, verbatim. */
  | { kind: 'error'; status: number; message: string; retryAfter?: number; body?: string }
  | { kind: 'gate'; name: string; before: string[]; after: string[] }
  | { kind: 'hang'; before: string[] }
  | { kind: 'cut'; before: string[] }
  | { kind: 'stream-error'; before: string[]; message: string };

export function planReply(c: Conversation, opts: ReplyOptions = {}): Plan {
  const p = c.userText;
  const retryAfter = /RETRY_AFTER:(\d+)/.exec(p);
  const apiError = /API_ERROR:(\d{3})/.exec(p);
  const body = /ERROR_BODY:([^\n]*)/.exec(p)?.[1];
  if (apiError) return { kind: 'error', status: Number(apiError[1]), message: `Mock error (HTTP ${apiError[1]})`, retryAfter: retryAfter ? Number(retryAfter[1]) : undefined, body };
  const failAfterTool = /FAIL_AFTER_TOOL:(\d{3})/.exec(p);
  if (failAfterTool && c.toolResult !== undefined) return { kind: 'error', status: Number(failAfterTool[1]), message: `Mock error (HTTP ${failAfterTool[1]})` };
  const runTool = /RUN_TOOL: run ((?:echo|printenv) [^\n"\\]*)/.exec(p);
  if (runTool && c.toolResult !== undefined) return { kind: 'text', parts: ['The command printed: ', c.toolResult.trim()] };
  if (runTool) return { kind: 'tool', preface: "I'll run the command.", command: runTool[1].trim().replaceAll('{wire}', c.wire ?? 'model') };
  const gate = /GATE:([\w-]+)/.exec(p);
  if (gate) return { kind: 'gate', name: gate[1], before: ['Alpha ', 'Beta ', 'Gamma '], after: ['Delta: released.'] };
  if (/\bHANG\b/.test(p)) return { kind: 'hang', before: ['Working on it'] };
  if (/\bCUT_STREAM\b/.test(p)) return { kind: 'cut', before: ['This answer will be cut'] };
  if (/\bSTREAM_ERROR\b/.test(p)) return { kind: 'stream-error', before: ['Partial answer'], message: 'Overloaded' };
  const slowStart = /SLOW_START:(\d+)/.exec(p);
  if (slowStart) return { kind: 'text', parts: ['Hello', ' from the', ' loopback model.'], firstTokenDelayMs: Number(slowStart[1]) };
  const paced = /PACED:(\d+):(\d+)/.exec(p);
  if (paced) return { kind: 'text', parts: pacedParts(Number(paced[2]) * 1024), bytesPerSec: Number(paced[1]) * 1024 };
  const long = /LONG_OUTPUT:(\d+)/.exec(p);
  if (long) return { kind: 'text', parts: Array.from({ length: Number(long[1]) }, (_, i) => `Line ${i + 1}: the quick brown fox.\n\n`) };
  if (/\bXSS\b/.test(p)) {
    return {
      kind: 'text',
      parts: [
        '**Bold** text. <img src=x onerror="window.__agentRelayPwned=1"> ',
        '<script>window.__agentRelayPwned=2</script> ',
        '[click](javascript:window.__agentRelayPwned=3) after the payload.',
      ],
    };
  }
  if (/\bRECALL\b/.test(p)) {
    const remembered = /REMEMBER:([\w-]+)/.exec(p)?.[1];
    return { kind: 'text', parts: remembered ? ['You told me ', remembered, '.'] : ['Nothing to recall.'] };
  }
  if (/\bUNICODE\b/.test(p)) return { kind: 'text', parts: ['Grüße, ', '世界 ', '🎉 — ', 'naïve café'] };
  if (opts.demo) return demoReply(c);
  return { kind: 'text', parts: ['Hello', ' from the', ' loopback model.'] };
}

/** Markdown lines cut into 100-character deltas, `bytes` in all. */
function pacedParts(bytes: number): string[] {
  const parts: string[] = [];
  let text = '';
  for (let i = 1; text.length < bytes; i++) text += i % 40 === 0 ? `\n## Part ${i / 40}\n\n` : `Line ${i}: the panel draws what arrives while the stream goes on at a steady rate.\n`;
  for (let i = 0; i < bytes; i += 100) parts.push(text.slice(i, Math.min(bytes, i + 100)));
  return parts;
}

/**
 * Waits as needed to keep `sent` bytes at `bytesPerSec` since `start`: writes
 * go out in bursts of about 10 ms, as a fast model's chunks do.
 */
export async function pace(start: number, sent: number, bytesPerSec: number): Promise<void> {
  const ahead = (sent / bytesPerSec) * 1000 - (performance.now() - start);
  if (ahead > 10) await new Promise((r) => setTimeout(r, ahead));
}

/** The demo model: look at a file with a read-only tool when there is one, then answer in Markdown. */
function demoReply(c: Conversation): Plan {
  const file = 'src/greet.js';
  if (c.toolResult === undefined && c.cwd && c.tools?.includes('Read')) {
    return { kind: 'tool', preface: `Let me read \`${file}\` first.`, command: 'true', call: { name: 'Read', input: { file_path: path.join(c.cwd, file) } } };
  }
  const asked = c.userText.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim().split('\n').at(-1)?.trim() ?? '';
  const code = (c.toolResult ?? '').replace(/`{3,}/g, '');
  const answer = [
    '## Agent Relay demo\n\n',
    'This answer comes from the **loopback demo model** that `npm start -- --demo` runs beside VS Code: ',
    'no network and no API key, but a real agent run end to end.\n\n',
    asked ? `You asked: *${asked.slice(0, 200).replace(/[*_`]/g, '')}*\n\n` : '',
    code ? `The agent read \`${file}\` with a read-only tool; it holds:\n\n\`\`\`text\n${code.trimEnd()}\n\`\`\`\n\n` : '',
    'What you just saw:\n\n',
    '1. the answer **streaming** into the panel as it arrives;\n',
    code ? '2. a **tool call** you can expand above;\n' : '2. tool calls, when the agent makes some;\n',
    '3. the **footer** with status, duration and tokens.\n\n',
    'To use your own agents and keys, see *Try it* in the README.',
  ].join('');
  // Word-sized deltas, so the streaming is visible.
  return { kind: 'text', parts: answer.match(/\S+\s*|\s+/g) ?? [answer] };
}

export interface Gate {
  reached: Promise<void>;
  markReached(): void;
  released: Promise<void>;
  release(): void;
}

/** What a wire format gets to answer one request. */
export interface WireContext {
  server: ModelServer;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  path: string;
  /** Query string parameters. */
  query: URLSearchParams;
  body: any;
  /** Resolves when the client goes away. */
  closed: Promise<void>;
  isClosed(): boolean;
}

export interface WireFormat {
  name: string;
  matches(method: string, path: string): boolean;
  handle(ctx: WireContext): Promise<void>;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Writes server-sent-event headers. */
export function startSse(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
}

/** Holds a streaming response open (with a periodic keep-alive write) until `until` settles or the client leaves. */
export async function hold(ctx: WireContext, until: Promise<void>, keepAlive: () => void): Promise<void> {
  const timer = setInterval(() => !ctx.isClosed() && keepAlive(), 1000);
  await Promise.race([until, ctx.closed]);
  clearInterval(timer);
}

