/**
 * The one place that turns an error into an exit code and a message. Codes are documented in
 * README.md: 0 ok, 1 internal error, 2 bad config or input, 3 a source could not be read
 * completely, 4 a change could not be rendered or merged, 5 publishing failed.
 */
import { TidemarkError, AggregateConfigError } from '../core/errors.js';
import { sanitizeText } from '../core/sanitize.js';
import type { Logger } from '../core/logger.js';

export const EXIT = { ok: 0, internal: 1, config: 2, source: 3, render: 4, publish: 5 } as const;

export function exitCodeFor(err: unknown): number {
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

/** Prints the error for a human (stderr) and logs it structured; never a stack for user errors. */
export function reportError(err: unknown, logger: Logger): number {
  const code = exitCodeFor(err);
  if (err instanceof TidemarkError) {
    const lines = err instanceof AggregateConfigError ? err.message : err.message;
    process.stderr.write(`tidemark: error: ${sanitizeText(lines)}\n`);
    logger.debug('command failed', { code: err.code, context: err.context });
  } else {
    const e = err as Error;
    process.stderr.write(`tidemark: internal error: ${sanitizeText(e?.message ?? String(err))}\n`);
    logger.error('internal error', { error: e?.name, stack: sanitizeText(e?.stack ?? '') });
  }
  return code;
}
