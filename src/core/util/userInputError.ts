/** Thrown for input a person must change (a setting, a flag, a prompt); the message says how. Nothing has started. */
export class UserInputError extends Error {}
