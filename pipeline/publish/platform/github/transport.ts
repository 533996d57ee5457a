/**
 * How requests reach GitHub's API: every request (connect, answer and body) within a timeout, a
 * connection that failed or never answered reported as unreachable — host and timeout, never an
 * HTTP status no server sent (octokit reports a failed fetch as "500") — and server errors retried
 * with backoff. Unreachable is not retried: a host that refused or stayed silent for the whole
 * timeout would only multiply the wait, and the next scheduled run tries again.
 */
import type { Octokit } from 'octokit';
import { PublishError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

/** The API could not be reached: refused, not resolved, reset, or silent past the timeout. */
export class GitHubUnreachableError extends PublishError {
  constructor(
    readonly host: string,
    readonly reason: string,
    readonly timeoutMs: number,
    request: string,
  ) {
    // The host leads the message already; as `object` it would be printed twice.
    super('platform-failed', `GitHub API at ${host} unreachable: ${reason} (${request})`, {
      host,
      timeoutMs,
    });
  }
}

type Fetch = typeof globalThis.fetch;

/**
 * A fetch that gives up after `timeoutMs` for the whole exchange, body included (the body is read
 * here, so a server that sends headers and then stalls cannot hang a run either), and turns any
 * failure to get an answer into GitHubUnreachableError.
 */
export function timedFetch(timeoutMs: number, fetchImpl: Fetch = globalThis.fetch): Fetch {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const request = `${init?.method ?? 'GET'} ${url.pathname}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      const res = await fetchImpl(input, { ...init, signal });
      const body = NULL_BODY.has(res.status) ? null : await res.arrayBuffer();
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } catch (err) {
      throw new GitHubUnreachableError(url.host, reasonOf(err, timeoutMs), timeoutMs, request);
    }
  };
}

const NULL_BODY = new Set([101, 204, 205, 304]);

function reasonOf(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return `no answer within ${trimSeconds(timeoutMs)} s`;
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host name not resolved (${code})`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')
    return `connection closed without an answer (${code})`;
  if (code) return `connection failed (${code})`;
  return `connection failed (${(e.cause?.message ?? e.message ?? 'unknown error').split('\n')[0]!.slice(0, 120)})`;
}

function trimSeconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}

/** The unreachable error behind octokit's wrapping ("500" with the fetch failure as its cause). */
export function unreachableIn(err: unknown): GitHubUnreachableError | undefined {
  for (let e = err as { cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e instanceof GitHubUnreachableError) return e;
    e = e.cause as { cause?: unknown } | undefined;
  }
  return undefined;
}

/**
 * Server errors (5xx, 408) retried with backoff of (n+1)² units (octokit's retry plugin's
 * schedule, which this replaces: it retries a failed connection as a "500" too). Rate limits are
 * the throttling plugin's; an unreachable host is thrown at once.
 */
export function retryServerErrors(
  octokit: Pick<Octokit, 'hook'>,
  opts: { retries: number; unitMs: number; logger: Logger },
): void {
  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (err) {
        const unreachable = unreachableIn(err);
        if (unreachable) throw unreachable;
        const status = (err as { status?: number; response?: unknown }).status;
        const answered = (err as { response?: unknown }).response !== undefined;
        if (
          !answered ||
          status === undefined ||
          !(status >= 500 || status === 408) ||
          attempt >= opts.retries
        )
          throw err;
        opts.logger.warn('github server error; retrying', {
          method: options.method,
          url: options.url,
          status,
          attempt: attempt + 1,
        });
        await new Promise((r) => setTimeout(r, (attempt + 1) ** 2 * opts.unitMs));
      }
    }
  });
}
