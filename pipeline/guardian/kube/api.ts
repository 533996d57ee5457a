/**
 * The guardian's door to the API server: JSON requests with a timeout, and watch streams read
 * line by line. Errors carry the status and the API's reason, never a header or a token. Every
 * call is counted by verb, so tests and /metrics can show that the guardian watches rather than
 * polls.
 */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { sanitizeText } from '../../core/sanitize.js';
import { ListItemSplitter } from '../../collect/kubernetes/list-items.js';
import type { Conn } from '../../collect/kubernetes/connect.js';

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(sanitizeText(message));
    this.name = 'KubeApiError';
  }
}

export interface WatchEvent<T = unknown> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface KubeApi {
  /** GET, with 404 as undefined. */
  get<T>(path: string): Promise<T | undefined>;
  send<T>(
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<T>;
  /**
   * One LIST page, streamed: each item is parsed and handed over on its own, so a page of full
   * pods never exists as one string or one object graph (what dies young is never promoted).
   */
  list(path: string, onItem: (raw: unknown) => void): Promise<ListMeta | undefined>;
  /** Runs one watch stream until it ends (resolves) or fails (rejects); events arrive in order. */
  watch<T>(
    path: string,
    onEvent: (e: WatchEvent<T>) => void,
    signal: AbortSignal,
    idleMs: number,
  ): Promise<void>;
  readonly calls: Record<string, number>;
}

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
}

function parseOrUndefined(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The API's Status body (reason, message) in a typed error. */
function statusError(what: string, status: number, body: string): KubeApiError {
  const st = parseOrUndefined(body) as { reason?: string; message?: string } | undefined;
  return new KubeApiError(status, st?.reason ?? '', `${what}: HTTP ${status} ${st?.message ?? ''}`.trim());
}

export function createKubeApi(conn: Conn, opts: { timeoutMs?: number; userAgent?: string } = {}): KubeApi {
  const calls: Record<string, number> = {};
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const count = (verb: string) => (calls[verb] = (calls[verb] ?? 0) + 1);

  function call(
    method: string,
    path: string,
    body: string | undefined,
    contentType: string | undefined,
    onResponse: (res: IncomingMessage) => void,
    onError: (err: Error) => void,
    timeout: number,
    signal?: AbortSignal,
  ): void {
    const url = new URL(path, conn.server);
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        ...conn.options,
        method,
        timeout,
        signal,
        headers: {
          ...conn.headers(),
          accept: 'application/json',
          'user-agent': opts.userAgent ?? 'tidemark-guardian',
          ...(body !== undefined ? { 'content-type': contentType ?? 'application/json' } : {}),
        },
      },
      onResponse,
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${method} ${url.pathname}: no answer within ${timeout} ms`)),
    );
    req.on('error', onError);
    req.end(body);
  }

  function json<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    count(method === 'GET' && /[?&]watch=/.test(path) ? 'WATCH' : method);
    return new Promise((resolve, reject) =>
      call(
        method,
        path,
        body === undefined ? undefined : JSON.stringify(body),
        contentType,
        (res) => {
          let text = '';
          res.setEncoding('utf8'); // a character split across chunks stays whole
          res.on('data', (c: string) => (text += c));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 300) reject(statusError(`${method} ${path}`, status, text));
            else resolve(parseOrUndefined(text) as T);
          });
        },
        (err) => reject(new KubeApiError(0, 'Unreachable', `${method} ${path}: ${err.message}`)),
        timeoutMs,
      ),
    );
  }

  return {
    calls,
    async get<T>(path: string) {
      try {
        return await json<T>('GET', path);
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return undefined;
        throw err;
      }
    },
    send: (method, path, body, contentType) => json(method, path, body, contentType),
    list(path, onItem) {
      count('LIST');
      return new Promise<ListMeta | undefined>((resolve, reject) =>
        call(
          'GET',
          path,
          undefined,
          undefined,
          (res) => {
            const status = res.statusCode ?? 0;
            if (status >= 300) {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (c: string) => (text += c));
              res.on('end', () => {
                if (status === 404) return resolve(undefined);
                reject(statusError(`LIST ${path}`, status, text));
              });
              return;
            }
            const splitter = new ListItemSplitter();
            res.on('data', (c: Buffer) => {
              try {
                for (const item of splitter.push(c)) onItem(JSON.parse(item));
              } catch (err) {
                res.destroy(err as Error);
              }
            });
            res.on('error', (err) =>
              reject(new KubeApiError(0, 'Unreachable', `LIST ${path}: ${err.message}`)),
            );
            res.on('end', () => {
              if (!splitter.complete() || splitter.metadata === undefined)
                return reject(new KubeApiError(0, 'Unreachable', `LIST ${path}: the list ended early`));
              resolve(JSON.parse(splitter.metadata) as ListMeta);
            });
          },
          (err) => reject(new KubeApiError(0, 'Unreachable', `LIST ${path}: ${err.message}`)),
          timeoutMs,
        ),
      );
    },
    watch<T>(path: string, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal, idleMs: number) {
      count('WATCH');
      return new Promise<void>((resolve, reject) =>
        call(
          'GET',
          path,
          undefined,
          undefined,
          (res) => {
            const status = res.statusCode ?? 0;
            if (status >= 300) {
              res.resume();
              return reject(
                new KubeApiError(status, status === 410 ? 'Expired' : '', `watch ${path}: HTTP ${status}`),
              );
            }
            let rest = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              rest += c;
              let nl: number;
              while ((nl = rest.indexOf('\n')) >= 0) {
                const line = rest.slice(0, nl);
                rest = rest.slice(nl + 1);
                if (!line.trim()) continue;
                try {
                  onEvent(JSON.parse(line) as WatchEvent<T>);
                } catch (err) {
                  res.destroy(err as Error);
                  return;
                }
              }
            });
            res.on('end', resolve);
            res.on('error', reject);
            res.on('close', resolve);
          },
          (err) =>
            signal.aborted
              ? resolve()
              : reject(new KubeApiError(0, 'Unreachable', `watch ${path}: ${err.message}`)),
          // A quiet stream is restarted: bookmarks arrive at least every minute on a healthy watch.
          idleMs,
          signal,
        ),
      );
    },
  };
}
