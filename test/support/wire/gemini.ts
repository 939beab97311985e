// Gemini API streamGenerateContent (SSE with ?alt=sse), as Gemini CLI speaks it.
// TODO(gemini): implement; see modelServer.ts for the Plan each reply follows.
import { sendJson, type WireContext, type WireFormat } from '../plan';

export const geminiGenerateContent: WireFormat = {
  name: 'gemini',
  matches: (method, path) => method === 'POST' && /\/v1(beta)?\/models\/[^/]+:(stream)?[gG]enerateContent$/.test(path),
  async handle(ctx: WireContext) {
    sendJson(ctx.res, 501, { error: { message: 'Gemini API not implemented in the model server yet' } });
  },
};
