// Text that reaches a VS Code notification. Notifications render Markdown
// links, `command:` links with arguments included, which run on one click, and
// have no escape syntax for them. What is not our own fixed wording goes
// through these first.

/**
 * A sentence with any link syntax broken (`[text](target)` becomes
 * `[text] (target)`), for messages of ours that quote a path, an id or an
 * error code.
 */
export function inertMessage(text: string): string {
  return text.replace(/\]\s*\(/g, '] (');
}

/** A name someone else chose (an extension's agent), kept only as inert words. */
export function inertLabel(text: string): string {
  return text.replace(/[[\]()<>`*_\\]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80);
}
