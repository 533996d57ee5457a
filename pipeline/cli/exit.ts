/**
 * The one place that turns an error into an exit code and a message. Codes are documented in
 * README.md: 0 ok, 1 internal error, 2 bad config or input, 3 a source could not be read
 * completely, 4 a change could not be rendered or merged, 5 publishing failed.
 */
import { CommanderError } from 'commander';
import { TidemarkError } from '../core/errors.js';
import { sanitizeText } from '../core/sanitize.js';
import { createLogger, type Logger } from '../core/logger.js';

export const EXIT = { ok: 0, internal: 1, config: 2, source: 3, render: 4, publish: 5 } as const;

export function exitCodeFor(err: unknown): number {
  // A usage error (unknown option, missing argument) is bad input; help and --version are not errors.
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.config;
  if (!(err instanceof TidemarkError)) return EXIT.internal;
  switch (err.code) {
    case 'config-invalid':
    case 'input-invalid':
    case 'query-invalid':
      return EXIT.config;
    case 'source-unavailable':
    case 'source-incomplete':
      return EXIT.source;
    case 'render-refused':
    case 'render-unconfirmed':
    case 'merge-conflict':
      return EXIT.render;
    case 'git-failed':
    case 'platform-failed':
    case 'platform-rate-limited':
    case 'platform-auth':
      return EXIT.publish;
    default:
      return EXIT.internal;
  }
}

/**
 * Writes the final error line on stderr, in the log's format: `tidemark: error: …` for a human,
 * one JSON object (like every other log line) when logs are JSON, so a log pipeline reads the
 * run's last word too. Never a stack for user errors.
 */
export function reportError(err: unknown, logger: Logger): number {
  const exitCode = exitCodeFor(err);
  if (exitCode === EXIT.ok) return exitCode;
  let message: string;
  let fields: Record<string, unknown>;
  if (err instanceof TidemarkError) {
    message = err.message;
    const { file, object, field } = err.context;
    fields = { error: err.code, file, object, field };
    logger.debug('command failed', { code: err.code, context: err.context });
  } else if (err instanceof CommanderError) {
    // Commander's own text ("error: unknown option '--x'"), or no command given (help shown).
    message = err.code === 'commander.help' ? 'no command given' : err.message.replace(/^error: /, '');
    fields = { error: 'usage' };
  } else {
    const e = err as Error;
    message = `internal error: ${e?.message ?? String(err)}`;
    fields = { error: 'internal' };
    logger.error('internal error', { error: e?.name, stack: sanitizeText(e?.stack ?? '') });
  }
  if (logger.format === 'json') finalLine.error(message, { ...fields, exitCode });
  else if (err instanceof TidemarkError) process.stderr.write(`tidemark: error: ${sanitizeText(message)}\n`);
  else if (!(err instanceof CommanderError)) process.stderr.write(`tidemark: ${sanitizeText(message)}\n`);
  return exitCode;
}

/** stderr, JSON, never filtered by --log-level: the final line is always written. */
const finalLine = createLogger({ level: 'error', format: 'json' });
