/**
 * Structured logging: one JSON object per line on stderr by default, a short human line when
 * stderr is a terminal (or format: 'human'). Static messages plus fields; secrets are scrubbed
 * here, in the sink. stdout stays free for the command's own output (tables, diffs).
 */
import { sanitizeText, sanitizeValue } from './sanitize.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
  write(line: string): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'json' | 'human';
  sink?: LogSink;
  fields?: Record<string, unknown>;
  now?: () => Date;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  readonly level: LogLevel;
  readonly format: 'json' | 'human';
}

const stderrSink: LogSink = { write: (line) => process.stderr.write(line + '\n') };

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? (process.env.TIDEMARK_LOG_LEVEL as LogLevel | undefined) ?? 'info';
  const envFormat = process.env.TIDEMARK_LOG_FORMAT as 'json' | 'human' | undefined;
  const format = options.format ?? envFormat ?? (process.stderr.isTTY ? 'human' : 'json');
  const sink = options.sink ?? stderrSink;
  const base = options.fields ?? {};
  const now = options.now ?? (() => new Date());

  function emit(lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (LEVELS[lvl] < LEVELS[level]) return;
    const merged = sanitizeValue({ ...base, ...fields }) as Record<string, unknown>;
    if (format === 'json') {
      sink.write(
        JSON.stringify({ time: now().toISOString(), level: lvl, msg: sanitizeText(msg), ...merged }),
      );
    } else {
      const extras = Object.entries(merged)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      const tag = lvl === 'info' ? '' : `${lvl.toUpperCase()} `;
      sink.write(`${tag}${sanitizeText(msg)}${extras ? '  ' + extras : ''}`);
    }
  }

  return {
    level,
    format,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ level, format, sink, now, fields: { ...base, ...fields } }),
  };
}

/** A logger that keeps lines in memory, for tests that assert on what was logged. */
export function createMemoryLogger(
  level: LogLevel = 'debug',
): Logger & { lines: string[]; records(): Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, format: 'json', sink: { write: (l) => lines.push(l) } });
  return Object.assign(logger, {
    lines,
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  });
}

export const silentLogger: Logger = createLogger({
  level: 'error',
  format: 'json',
  sink: { write: () => {} },
});
