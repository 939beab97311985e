// OpenAI-compatible chat completions (POST /v1/chat/completions, data-only SSE
// ending in `data: [DONE]`), as Ollama, vLLM, LM Studio and OpenAI serve it.
// TODO(http providers): implement.
import { sendJson, type WireContext, type WireFormat } from '../plan';

export const openaiChatCompletions: WireFormat = {
  name: 'openai-chat',
  matches: (method, path) => method === 'POST' && /\/chat\/completions$/.test(path),
  async handle(ctx: WireContext) {
    sendJson(ctx.res, 501, { error: { message: 'chat completions not implemented in the model server yet' } });
  },
};
