import { UserInputError } from '../util/userInputError';

export { UserInputError };

/** A piece of the editor attached to a prompt. */
export interface AttachedContext {
  /** Path as shown to the agent (workspace-relative when possible). */
  label: string;
  startLine: number;
  endLine: number;
  languageId?: string;
  text: string;
}

/** The prompt the agent receives: the user's words, then attached context in a fenced block. */
export function composePrompt(prompt: string, context?: AttachedContext): string {
  if (!context || !context.text.trim()) return prompt;
  // A fence longer than any backtick run inside the selection, so it cannot be closed early.
  const longest = Math.max(2, ...[...context.text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${prompt}\n\nContext: ${context.label}, lines ${context.startLine}-${context.endLine}:\n${fence}${context.languageId ?? ''}\n${context.text}\n${fence}\n`;
}


/** Refuses empty and oversized prompts rather than sending something cut or useless. */
export function checkPrompt(prompt: string, maxKilobytes: number): void {
  if (!prompt.trim()) throw new UserInputError('The prompt is empty. Type what the agent should do.');
  const bytes = Buffer.byteLength(prompt, 'utf8');
  const max = Math.floor(maxKilobytes * 1024);
  if (bytes > max) {
    throw new UserInputError(
      `The prompt is ${Math.ceil(bytes / 1024)} KB, more than the limit of ${maxKilobytes} KB. Attach less context (a smaller selection) or raise agentRelay.run.maxPromptKilobytes.`,
    );
  }
}
