// OpenAI-compatible chat completions (POST …/chat/completions, data-only SSE
// ending in `data: [DONE]`), as OpenAI, Ollama, vLLM and LM Studio serve it.
import { hold, pace, sendJson, startSse, type Conversation, type WireContext, type WireFormat } from '../plan';

function conversation(body: any): Conversation {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const text = (c: any) => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((p: any) => p?.text ?? '').join('') : '');
  const last = messages[messages.length - 1];
  return {
    userText: messages.filter((m) => m?.role === 'user').map((m) => text(m.content)).join('\n'),
    toolResult: last?.role === 'tool' ? text(last.content) : undefined,
  };
}

export const openaiChatCompletions: WireFormat = {
  name: 'openai-chat',
  matches: (method, path) => method === 'POST' && /\/chat\/completions$/.test(path),

  async handle(ctx: WireContext) {
    const { res, body, server } = ctx;
    const plan = server.plan({ ...conversation(body), wire: 'openai-chat' });
    if (plan.kind === 'error') {
      const type = plan.status === 401 ? 'invalid_request_error' : plan.status === 429 ? 'rate_limit_exceeded' : 'server_error';
      return sendJson(res, plan.status, { error: { message: plan.body ?? `Mock ${type} (HTTP ${plan.status})`, type, param: null, code: plan.status === 401 ? 'invalid_api_key' : null } }, plan.retryAfter !== undefined ? { 'retry-after': String(plan.retryAfter) } : {});
    }
    const id = `chatcmpl-mock${server.nextId()}`;
    const model = typeof body?.model === 'string' ? body.model : 'mock-model';
    const created = Math.floor(Date.now() / 1000);
    const wantUsage = body?.stream_options?.include_usage === true;
    if (body?.stream !== true) {
      return sendJson(res, 200, { id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 } });
    }

    startSse(res);
    let completion = 0;
    const chunk = async (delta: object, finish: string | null = null) => {
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_mock', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(wantUsage ? { usage: null } : {}) })}\n\n`);
      await server.sleep();
    };
    const content = async (parts: string[], bytesPerSec?: number) => {
      const start = performance.now();
      let sent = 0;
      for (const p of parts) {
        completion++;
        await chunk({ content: p });
        if (bytesPerSec) await pace(start, (sent += Buffer.byteLength(p)), bytesPerSec);
      }
    };
    const finish = async (reason: string) => {
      await chunk({}, reason);
      if (wantUsage) {
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: { prompt_tokens: 25, completion_tokens: completion + 10, total_tokens: 35 + completion } })}\n\n`);
      }
      res.write('data: [DONE]\n\n');
      res.end();
    };
    const keepAlive = () => res.write(': keep-alive\n\n');

    await chunk({ role: 'assistant', content: '' });
    switch (plan.kind) {
      case 'text':
        await content(plan.parts, plan.bytesPerSec);
        return finish('stop');
      case 'tool': {
        await content([plan.preface]);
        // The client's own shell tool when it offers one (OpenCode: bash, which also wants a description).
        const names: string[] = (Array.isArray(body?.tools) ? body.tools : []).map((t: any) => String(t?.function?.name ?? ''));
        const name = names.find((n) => /^bash$/i.test(n)) ?? names.find((n) => /shell|command/i.test(n)) ?? 'shell';
        const args = JSON.stringify(name === 'bash' ? { command: plan.command, description: 'Run a command' } : { command: plan.command });
        await chunk({ tool_calls: [{ index: 0, id: `call_mock${server.nextId()}`, type: 'function', function: { name, arguments: '' } }] });
        for (let i = 0; i < args.length; i += 7) await chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 7) } }] });
        return finish('tool_calls');
      }
      case 'gate': {
        const gate = server.gate(plan.name);
        await content(plan.before);
        gate.markReached();
        await hold(ctx, gate.released, keepAlive);
        await content(plan.after);
        return finish('stop');
      }
      case 'hang':
        await content(plan.before);
        return hold(ctx, new Promise(() => undefined), keepAlive);
      case 'cut':
        await content(plan.before);
        res.socket?.destroy();
        return;
      case 'stream-error':
        await content(plan.before);
        res.write(`data: ${JSON.stringify({ error: { message: plan.message, type: 'server_error' } })}\n\n`);
        res.end();
        return;
    }
  },
};
