// Anthropic Messages API: POST /v1/messages, streaming as
// `event: <type>\ndata: <json>\n\n` (message_start, content_block_*,
// message_delta, message_stop, ping, error). Used by Claude Code, OpenCode
// (anthropic provider) and Agent Relay's own Anthropic provider.
import { hold, pace, sendJson, startSse, type Conversation, type WireContext, type WireFormat } from '../plan';

function conversation(body: any): Conversation {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const texts: string[] = [];
  for (const m of messages) {
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') texts.push(m.content);
    else for (const c of Array.isArray(m.content) ? m.content : []) if (c?.type === 'text') texts.push(String(c.text));
  }
  const last = messages[messages.length - 1];
  let toolResult: string | undefined;
  const tr = last?.role === 'user' && Array.isArray(last.content) ? last.content.find((c: any) => c?.type === 'tool_result') : undefined;
  if (tr) toolResult = typeof tr.content === 'string' ? tr.content : (Array.isArray(tr.content) ? tr.content : []).map((c: any) => c?.text ?? '').join('');
  const tools = (Array.isArray(body?.tools) ? body.tools : []).map((t: any) => String(t?.name ?? ''));
  const cwd = /Primary working directory: ([^\n]+)/.exec(typeof body?.system === 'string' ? body.system : JSON.stringify(body?.system ?? '').replace(/\\n/g, '\n'))?.[1].trim();
  return { userText: texts.join('\n'), toolResult, tools, cwd };
}

/** The shell tool the client offered (Claude Code: Bash, OpenCode: bash), and its input for a command. */
function shellTool(body: any): { name: string; input: (command: string) => object } {
  const names: string[] = (Array.isArray(body?.tools) ? body.tools : []).map((t: any) => String(t?.name ?? ''));
  const name = names.find((n) => /^bash$/i.test(n)) ?? names.find((n) => /shell|command/i.test(n)) ?? 'Bash';
  return { name, input: (command) => ({ command, description: 'Print a word' }) };
}

export const anthropicMessages: WireFormat = {
  name: 'anthropic',
  matches: (method, path) => method === 'POST' && /\/v1\/messages(\/count_tokens)?$/.test(path),

  async handle(ctx: WireContext) {
    const { res, body, server } = ctx;
    if (ctx.path.endsWith('/count_tokens')) return sendJson(res, 200, { input_tokens: 42 });
    const plan = server.plan({ ...conversation(body), wire: 'anthropic' });
    if (plan.kind === 'error') {
      const type = plan.status === 401 ? 'authentication_error' : plan.status === 429 ? 'rate_limit_error' : plan.status === 529 ? 'overloaded_error' : 'api_error';
      return sendJson(res, plan.status, { type: 'error', error: { type, message: plan.body ?? `Mock ${type} (HTTP ${plan.status})` } }, { 'request-id': 'req_mock', ...(plan.retryAfter !== undefined ? { 'retry-after': String(plan.retryAfter) } : {}) });
    }
    const model = typeof body?.model === 'string' ? body.model : 'claude-mock';
    if (body?.stream !== true) {
      return sendJson(res, 200, {
        id: `msg_mock${server.nextId()}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: 'ok' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 1 },
      });
    }

    startSse(res);
    const send = async (event: string, data: object) => {
      if (ctx.isClosed()) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
      await server.sleep();
    };
    const ping = () => res.write('event: ping\ndata: {"type":"ping"}\n\n');
    const id = `msg_mock${String(server.nextId()).padStart(4, '0')}`;
    await send('message_start', {
      message: { id, type: 'message', role: 'assistant', content: [], model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, output_tokens: 1 } },
    });
    let index = 0;
    let outputTokens = 0;
    const openText = () => send('content_block_start', { index, content_block: { type: 'text', text: '' } });
    const delta = async (text: string) => {
      outputTokens++;
      await send('content_block_delta', { index, delta: { type: 'text_delta', text } });
    };
    const closeBlock = async () => {
      await send('content_block_stop', { index });
      index++;
    };
    const finish = async (stopReason: string) => {
      await send('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens + 10 } });
      await send('message_stop', {});
      res.end();
    };

    switch (plan.kind) {
      case 'text': {
        await openText();
        if (plan.firstTokenDelayMs) await server.sleep(plan.firstTokenDelayMs);
        const start = performance.now();
        let sent = 0;
        for (const p of plan.parts) {
          await delta(p);
          if (plan.bytesPerSec) await pace(start, (sent += Buffer.byteLength(p)), plan.bytesPerSec);
        }
        await closeBlock();
        return finish('end_turn');
      }
      case 'tool': {
        await openText();
        await delta(plan.preface);
        await closeBlock();
        const shell = shellTool(body);
        const tool = plan.call ?? { name: shell.name, input: shell.input(plan.command) };
        const input = JSON.stringify(tool.input);
        await send('content_block_start', { index, content_block: { type: 'tool_use', id: `toolu_mock${server.nextId()}`, name: tool.name, input: {} } });
        await send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: input.slice(0, 10) } });
        await send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: input.slice(10) } });
        await closeBlock();
        return finish('tool_use');
      }
      case 'gate': {
        const gate = server.gate(plan.name);
        await openText();
        for (const p of plan.before) await delta(p);
        gate.markReached();
        await hold(ctx, gate.released, ping);
        for (const p of plan.after) await delta(p);
        await closeBlock();
        return finish('end_turn');
      }
      case 'hang':
        await openText();
        for (const p of plan.before) await delta(p);
        return hold(ctx, new Promise(() => undefined), ping);
      case 'cut':
        await openText();
        for (const p of plan.before) await delta(p);
        res.socket?.destroy();
        return;
      case 'stream-error':
        await openText();
        for (const p of plan.before) await delta(p);
        await send('error', { error: { type: 'overloaded_error', message: plan.message } });
        res.end();
        return;
    }
  },
};
