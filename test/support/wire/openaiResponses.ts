// OpenAI Responses API (POST /v1/responses, SSE), as OpenAI Codex speaks it.
// TODO(codex): implement; see modelServer.ts for the Plan each reply follows.
import { sendJson, type WireContext, type WireFormat } from '../plan';

export const openaiResponses: WireFormat = {
  name: 'openai-responses',
  matches: (method, path) => method === 'POST' && /\/v1\/responses$/.test(path),
  async handle(ctx: WireContext) {
    sendJson(ctx.res, 501, { error: { message: 'Responses API not implemented in the model server yet' } });
  },
};
