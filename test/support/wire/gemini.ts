// Gemini API (generativelanguage.googleapis.com v1beta), as Gemini CLI speaks it:
//   POST /v1beta/models/<model>:streamGenerateContent?alt=sse  conversation turns, SSE
//   POST /v1beta/models/<model>:generateContent                side requests (model router, JSON checks)
//   POST /v1beta/models/<model>:countTokens                    token estimates
// Each SSE event is `data: <GenerateContentResponse>\r\n\r\n`; there is no end
// marker, the stream just ends. Errors are `{error:{code,message,status}}`.
import { hold, sendJson, startSse, type Conversation, type WireContext, type WireFormat } from '../plan';

type Part = Record<string, any>;
type Content = { role?: string; parts?: Part[] };

function contents(body: any): Content[] {
  return Array.isArray(body?.contents) ? body.contents : [];
}

/** User text (function responses aside) and, when the latest turn answers a function call, its output. */
function conversation(body: any): Conversation {
  const all = contents(body);
  const texts: string[] = [];
  for (const c of all) {
    if (c?.role !== 'user') continue;
    for (const p of c.parts ?? []) if (typeof p?.text === 'string') texts.push(p.text);
  }
  const last = all[all.length - 1];
  const response = last?.role === 'user' ? last.parts?.find((p) => p?.functionResponse)?.functionResponse : undefined;
  return { userText: texts.join('\n'), toolResult: response ? functionOutput(response.response) : undefined };
}

/** What the tool printed, from a function response: `{output}` (or `{error}`), else the whole object. */
function functionOutput(response: any): string {
  if (typeof response?.output === 'string') return shellOutput(response.output);
  if (typeof response?.error === 'string') return response.error;
  return JSON.stringify(response ?? {});
}

/**
 * Gemini CLI 0.61 reports a shell command to the model as
 * `<untrusted_context>\nOutput: …\nProcess Group PGID: …\n</untrusted_context>`
 * (plus `Exit Code:`, `Error:`, `Signal:` lines when they apply); this is the `Output:` part.
 */
function shellOutput(text: string): string {
  const inner = /<untrusted_context>\n?([\s\S]*?)\n?<\/untrusted_context>/.exec(text)?.[1] ?? text;
  const output = /(?:^|\n)Output: ?([\s\S]*?)(?:\n(?:Error|Exit Code|Signal|Background PIDs|Process Group PGID):[\s\S]*)?$/.exec(inner);
  return output ? output[1] : inner;
}

/** The shell tool the CLI offered (Gemini CLI: run_shell_command). */
function shellTool(body: any): string {
  const names: string[] = [];
  for (const t of Array.isArray(body?.tools) ? body.tools : []) {
    for (const f of Array.isArray(t?.functionDeclarations) ? t.functionDeclarations : []) names.push(String(f?.name ?? ''));
  }
  return names.find((n) => n === 'run_shell_command') ?? names.find((n) => /shell|command/i.test(n)) ?? 'run_shell_command';
}

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function googleError(code: number, message: string) {
  return { error: { code, message, status: STATUS[code] ?? 'UNKNOWN' } };
}

/** A value that satisfies a (simple) JSON schema: how side requests asking for JSON get answered. */
function sampleOf(schema: any): unknown {
  if (!schema || typeof schema !== 'object') return 'ok';
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  switch (String(schema.type ?? '').toLowerCase()) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = sampleOf(v);
      return out;
    }
    case 'array':
      return [];
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    default:
      return 'mock';
  }
}

function modelOf(path: string): string {
  return /\/models\/([^/:]+):/.exec(path)?.[1] ?? 'gemini-mock';
}

export const geminiGenerateContent: WireFormat = {
  name: 'gemini',
  matches: (method, path) => method === 'POST' && /\/v1(beta)?\/models\/[^/]+:(streamGenerateContent|generateContent|countTokens)$/.test(path),

  async handle(ctx: WireContext) {
    const { res, body, server } = ctx;
    const model = modelOf(ctx.path);
    if (ctx.path.endsWith(':countTokens')) return sendJson(res, 200, { totalTokens: 42 });
    const plan = server.plan({ ...conversation(body), wire: 'gemini' });
    if (plan.kind === 'error') return sendJson(res, plan.status, googleError(plan.status, `Mock error (HTTP ${plan.status})`));

    const responseId = `resp_mock${String(server.nextId()).padStart(4, '0')}`;
    // Usage is cumulative, as the API reports it: the client keeps the last chunk's.
    let outputTokens = 0;
    const chunk = (parts: Part[], finishReason?: string) => {
      outputTokens += parts.length;
      return {
        candidates: [{ content: { role: 'model', parts }, index: 0, ...(finishReason ? { finishReason } : {}) }],
        usageMetadata: { promptTokenCount: 25, candidatesTokenCount: outputTokens, totalTokenCount: 25 + outputTokens },
        modelVersion: model,
        responseId,
      };
    };

    if (!ctx.path.endsWith(':streamGenerateContent')) {
      // Side requests (router, next-speaker and loop checks) ask for JSON with a schema.
      const config = body?.generationConfig ?? {};
      const schema = config.responseJsonSchema ?? config.responseSchema;
      const text = schema || config.responseMimeType === 'application/json' ? JSON.stringify(sampleOf(schema)) : 'ok';
      return sendJson(res, 200, chunk([{ text }], 'STOP'));
    }

    startSse(res);
    const send = async (data: object) => {
      if (ctx.isClosed()) return;
      res.write(`data: ${JSON.stringify(data)}\r\n\r\n`);
      await server.sleep();
    };
    const text = (t: string, finishReason?: string) => send(chunk([{ text: t }], finishReason));
    // Keep-alive while holding: an empty text part is a no-op for the client (an SSE
    // comment is not: the SDK only recognises events that start with `data: `).
    const keepAlive = () => res.write(`data: ${JSON.stringify(chunk([{ text: '' }]))}\r\n\r\n`);

    switch (plan.kind) {
      case 'text': {
        for (const [i, p] of plan.parts.entries()) await text(p, i === plan.parts.length - 1 ? 'STOP' : undefined);
        return void res.end();
      }
      case 'tool': {
        await text(plan.preface);
        await send(chunk([{ functionCall: { name: shellTool(body), args: { command: plan.command, description: 'Print a word' } } }], 'STOP'));
        return void res.end();
      }
      case 'gate': {
        const gate = server.gate(plan.name);
        for (const p of plan.before) await text(p);
        gate.markReached();
        await hold(ctx, gate.released, keepAlive);
        for (const [i, p] of plan.after.entries()) await text(p, i === plan.after.length - 1 ? 'STOP' : undefined);
        return void res.end();
      }
      case 'hang':
        for (const p of plan.before) await text(p);
        return hold(ctx, new Promise(() => undefined), keepAlive);
      case 'cut':
        for (const p of plan.before) await text(p);
        res.socket?.destroy();
        return;
      case 'stream-error':
        // A mid-stream error is a bare JSON chunk, not an SSE event: that is how the
        // @google/genai SDK (Gemini CLI's client) recognises and throws it.
        for (const p of plan.before) await text(p);
        if (!ctx.isClosed()) res.write(JSON.stringify(googleError(503, plan.message)));
        return void res.end();
    }
  },
};
