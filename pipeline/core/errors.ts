/**
 * Typed errors. Every error that reaches the user names where the problem is (file, object,
 * field) so a platform engineer can fix it without reading our code. Exit codes are decided in
 * one place (cli/exit.ts) from the error class, never from message text.
 */
export type ErrorCode =
  | 'config-invalid'
  | 'input-invalid'
  | 'source-unavailable'
  | 'source-incomplete'
  | 'query-invalid'
  | 'render-refused'
  | 'render-unconfirmed'
  | 'merge-conflict'
  | 'git-failed'
  | 'platform-failed'
  | 'platform-rate-limited'
  | 'platform-auth'
  | 'guardian-limit-reached'
  | 'internal';

export interface ErrorContext {
  file?: string;
  object?: string;
  field?: string;
  [key: string]: unknown;
}

export class TidemarkError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(formatLocated(message, context), options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

/** The user's input (config, policy, snapshot, metrics file, manifest) is wrong. Exit 2. */
export class ConfigError extends TidemarkError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('config-invalid', message, context, options);
  }
}

export class InputError extends TidemarkError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('input-invalid', message, context, options);
  }
}

/** A data source (Kubernetes, Prometheus, git remote) could not be read completely. */
export class SourceError extends TidemarkError {
  constructor(
    code: 'source-unavailable' | 'source-incomplete' | 'query-invalid',
    message: string,
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, context, options);
  }
}

export class RenderError extends TidemarkError {
  constructor(
    code: 'render-refused' | 'render-unconfirmed',
    message: string,
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, context, options);
  }
}

export class MergeConflictError extends TidemarkError {
  constructor(message: string, context: ErrorContext = {}) {
    super('merge-conflict', message, context);
  }
}

export class PublishError extends TidemarkError {
  constructor(
    code: 'git-failed' | 'platform-failed' | 'platform-rate-limited' | 'platform-auth',
    message: string,
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, context, options);
  }
}

/** "file: object: field: message", leaving out the parts we do not know. */
export function formatLocated(message: string, context: ErrorContext): string {
  const where = [context.file, context.object, context.field].filter((p): p is string => !!p);
  return where.length ? `${where.join(': ')}: ${message}` : message;
}

export function isTidemarkError(err: unknown): err is TidemarkError {
  return err instanceof TidemarkError;
}

/** Collects several problems before failing, so a user sees every error of a file at once. */
export class AggregateConfigError extends ConfigError {
  readonly problems: ConfigError[];
  constructor(problems: ConfigError[]) {
    super(`${problems.length} problem(s):\n` + problems.map((p) => `  - ${p.message}`).join('\n'));
    this.problems = problems;
  }
}
