// OpenAI Responses API: POST /v1/responses, streaming as `event: <type>\ndata: <json>\n\n`
// semantic events (response.created, response.output_item.added/done, response.output_text.delta,
// response.completed, response.failed; no `[DONE]`). Used by OpenAI Codex.
//
// With its default model, Codex 0.169 offers its tools in an `additional_tools` input item rather
// than in `tools`, and runs commands only through "code mode": a custom (freeform) tool `exec` whose
// input is JavaScript calling `tools.exec_command({cmd})`. A model it has no metadata for gets plain
// function tools in `tools` (`exec_command`; older versions `shell_command`/`shell`). Whichever is
// offered is the one answered.
import { hold, sendJson, startSse, type Conversation, type WireContext, type WireFormat } from '../plan';

type Item = Record<string, any>;

function inputItems(body: any): Item[] {
  return Array.isArray(body?.input) ? body.input.filter((i: unknown) => i && typeof i === 'object') : [];
}

/** Text of a message's content, or of a tool output (a string or an array of content items). */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  return (Array.isArray(content) ? content : []).map((c: any) => (typeof c?.text === 'string' ? c.text : '')).join('');
}

function conversation(body: any): Conversation {
  const items = inputItems(body);
  const texts: string[] = [];
  if (typeof body?.input === 'string') texts.push(body.input);
  for (const i of items) {
    if (i.role !== 'user' || (i.type !== 'message' && i.type !== undefined)) continue;
    const text = contentText(i.content);
    // Codex's own context block (cwd, shell, date) is not the user's prompt.
    if (!text.startsWith('<environment_context>')) texts.push(text);
  }
  const last = items[items.length - 1];
  const isOutput = last?.type === 'function_call_output' || last?.type === 'custom_tool_call_output';
  return { userText: texts.join('\n'), toolResult: isOutput ? withoutHeader(contentText(last.output)) : undefined };
}

/**
 * What the command printed. Codex puts a status header before it: "Script completed\nWall time …\nOutput:\n"
 * (code mode) or "Chunk ID: …\nProcess exited with code 0\n…\nOutput:\n" (exec_command).
 */
function withoutHeader(output: string): string {
  const m = /^(?:[^\n]+\n)*?Output:\n([\s\S]*)$/.exec(output);
  return m ? m[1] : output;
}

/** Every tool the request offers, flattened out of `tools`, `additional_tools` items and namespaces. */
function offeredTools(body: any): Item[] {
  const out: Item[] = [];
  const walk = (list: unknown, namespace?: string) => {
    for (const t of Array.isArray(list) ? list : []) {
      if (!t || typeof t !== 'object') continue;
      if (t.type === 'namespace') walk(t.tools, t.name);
      else out.push({ ...t, namespace });
    }
  };
  walk(body?.tools);
  for (const i of inputItems(body)) if (i.type === 'additional_tools') walk(i.tools);
  return out;
}

/** The output item that makes the client run `command` with the tool it offered. */
function shellCall(body: any, command: string, callId: string): Item {
  const tools = offeredTools(body);
  const find = (type: string, name: string) => tools.find((t) => t.type === type && t.name === name);
  const fn = (t: Item, args: object): Item => ({
    type: 'function_call',
    name: t.name,
    ...(t.namespace ? { namespace: t.namespace } : {}),
    arguments: JSON.stringify(args),
    call_id: callId,
  });
  let t: Item | undefined;
  if ((t = find('function', 'exec_command'))) return fn(t, { cmd: command });
  if ((t = find('function', 'shell_command'))) return fn(t, { command });
  if ((t = find('function', 'shell'))) return fn(t, { command: ['bash', '-lc', command] });
  t = find('custom', 'exec');
  return {
    type: 'custom_tool_call',
    name: 'exec',
    ...(t?.namespace ? { namespace: t.namespace } : {}),
    input: `const r = await tools.exec_command({ cmd: ${JSON.stringify(command)} });\ntext(r.output);\n`,
    call_id: callId,
  };
}

export const openaiResponses: WireFormat = {
  name: 'openai-responses',
  matches: (method, path) => method === 'POST' && /\/v1\/responses$/.test(path),

  async handle(ctx: WireContext) {
    const { res, body, server } = ctx;
    const plan = server.plan({ ...conversation(body), wire: 'openai-responses' });
    if (plan.kind === 'error') {
      // The error body OpenAI sends for a bad key, a rate limit and a server fault.
      const [type, code] = plan.status === 401 ? ['invalid_request_error', 'invalid_api_key'] : plan.status === 429 ? ['requests', 'rate_limit_exceeded'] : ['server_error', null];
      return sendJson(res, plan.status, { error: { message: plan.message, type, param: null, code } });
    }
    const model = typeof body?.model === 'string' ? body.model : 'gpt-mock';
    const n = String(server.nextId()).padStart(4, '0');
    const responseId = `resp_mock${n}`;
    const output: Item[] = [];
    let outputTokens = 0;
    const response = (status: string, extra: object = {}) => ({
      id: responseId,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status,
      model,
      output: status === 'in_progress' ? [] : output,
      ...extra,
    });

    startSse(res);
    let seq = 0;
    const send = async (type: string, data: object) => {
      if (ctx.isClosed()) return;
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
      await server.sleep();
    };
    // SSE comment lines are ignored by clients: a keep-alive that is not an event.
    const keepAlive = () => res.write(': keep-alive\n\n');

    let message: { id: string; index: number; text: string } | undefined;
    const openMessage = async () => {
      message = { id: `msg_mock${n}_${output.length}`, index: output.length, text: '' };
      output.push({ id: message.id, type: 'message', status: 'in_progress', role: 'assistant', content: [] });
      await send('response.output_item.added', { output_index: message.index, item: output[message.index] });
      await send('response.content_part.added', { item_id: message.id, output_index: message.index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    };
    const delta = async (text: string) => {
      message!.text += text;
      outputTokens++;
      await send('response.output_text.delta', { item_id: message!.id, output_index: message!.index, content_index: 0, delta: text, logprobs: [] });
    };
    const closeMessage = async () => {
      const m = message!;
      const part = { type: 'output_text', text: m.text, annotations: [] };
      output[m.index] = { id: m.id, type: 'message', status: 'completed', role: 'assistant', content: [part] };
      await send('response.output_text.done', { item_id: m.id, output_index: m.index, content_index: 0, text: m.text, logprobs: [] });
      await send('response.content_part.done', { item_id: m.id, output_index: m.index, content_index: 0, part });
      await send('response.output_item.done', { output_index: m.index, item: output[m.index] });
      message = undefined;
    };
    const complete = async () => {
      const usage = { input_tokens: 25, input_tokens_details: { cached_tokens: 0 }, output_tokens: outputTokens + 10, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 35 + outputTokens };
      await send('response.completed', { response: response('completed', { usage }) });
      res.end();
    };

    await send('response.created', { response: response('in_progress') });
    await send('response.in_progress', { response: response('in_progress') });
    switch (plan.kind) {
      case 'text':
        await openMessage();
        for (const p of plan.parts) await delta(p);
        await closeMessage();
        return complete();
      case 'tool': {
        await openMessage();
        await delta(plan.preface);
        await closeMessage();
        const call = shellCall(body, plan.command, `call_mock${n}`);
        const index = output.length;
        const id = `${call.type === 'function_call' ? 'fc' : 'ctc'}_mock${n}`;
        const field = call.type === 'function_call' ? 'arguments' : 'input';
        const full: string = call[field];
        output.push({ id, status: 'in_progress', ...call, [field]: '' });
        await send('response.output_item.added', { output_index: index, item: output[index] });
        const deltaType = call.type === 'function_call' ? 'response.function_call_arguments' : 'response.custom_tool_call_input';
        for (const piece of [full.slice(0, 10), full.slice(10)]) await send(`${deltaType}.delta`, { item_id: id, output_index: index, delta: piece });
        await send(`${deltaType}.done`, { item_id: id, output_index: index, [field]: full });
        output[index] = { id, status: 'completed', ...call };
        await send('response.output_item.done', { output_index: index, item: output[index] });
        return complete();
      }
      case 'gate': {
        const gate = server.gate(plan.name);
        await openMessage();
        for (const p of plan.before) await delta(p);
        gate.markReached();
        await hold(ctx, gate.released, keepAlive);
        for (const p of plan.after) await delta(p);
        await closeMessage();
        return complete();
      }
      case 'hang':
        await openMessage();
        for (const p of plan.before) await delta(p);
        return hold(ctx, new Promise(() => undefined), keepAlive);
      case 'cut':
        await openMessage();
        for (const p of plan.before) await delta(p);
        res.socket?.destroy();
        return;
      case 'stream-error':
        await openMessage();
        for (const p of plan.before) await delta(p);
        await send('response.failed', { response: response('failed', { error: { code: 'server_error', message: plan.message } }) });
        res.end();
        return;
    }
  },
};
