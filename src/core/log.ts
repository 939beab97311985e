/** The slice of a log the core writes to; the VS Code layer backs it with a LogOutputChannel. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const nullLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A logger whose lines carry a correlation id, e.g. `[run 3f2a9c1e] …`. */
export function withPrefix(logger: Logger, prefix: string): Logger {
  return {
    trace: (m) => logger.trace(`${prefix} ${m}`),
    debug: (m) => logger.debug(`${prefix} ${m}`),
    info: (m) => logger.info(`${prefix} ${m}`),
    warn: (m) => logger.warn(`${prefix} ${m}`),
    error: (m) => logger.error(`${prefix} ${m}`),
  };
}

/** Writes to stderr (headless CLI with --verbose). */
export function stderrLogger(minLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' = 'info'): Logger {
  const levels = ['trace', 'debug', 'info', 'warn', 'error'] as const;
  const min = levels.indexOf(minLevel);
  const at = (level: (typeof levels)[number]) => (m: string) => {
    if (levels.indexOf(level) >= min) process.stderr.write(`[${level}] ${m}\n`);
  };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
