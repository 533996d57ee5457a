/**
 * The HTTP side of the Prometheus source: POST form bodies to /api/v1/query_range (so long
 * matchers never land in a URL or an access log), auth from files, TLS and mTLS, and failures
 * classified by Prometheus' own `errorType` so the planner can answer each one correctly:
 *  - too many samples (422 execution) and timeouts (503 timeout): split the query, never repeat it;
 *  - other 5xx, 429 and reset connections: retry with exponential backoff and full jitter;
 *  - bad_data (400): a clear error naming the query.
 * A response with `warnings` is partial (Thanos, Mimir): treated as missing data.
 */
import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import pRetry, { AbortError } from 'p-retry';
import { SourceError } from '../../core/errors.js';
import { registerSecret, sanitizeText } from '../../core/sanitize.js';
import { parseDuration } from '../../core/duration.js';
import type { PrometheusConfig } from '../../config/types.js';
import { scanRangeResponse, type ScannedResponse, type ScannedSeries } from './matrix-scan.js';

/** One series of a range query: its labels, and its points as parallel typed arrays. */
export type Matrix = ScannedSeries;

export interface RangeResult {
  result: Matrix[];
  /** Samples the server read for the query (Prometheus' stats=all), when it reports them. */
  serverSamples?: number;
}

export interface RangeQuery {
  query: string;
  start: number;
  end: number;
  step: number;
}

/** Why a query failed, as the planner needs to know it. */
export type QueryFailureKind = 'too-large' | 'timeout' | 'bad-query' | 'partial' | 'unavailable' | 'auth';

export class QueryFailure extends SourceError {
  constructor(
    readonly kind: QueryFailureKind,
    message: string,
    readonly query: string,
    readonly status?: number,
  ) {
    super(
      kind === 'bad-query'
        ? 'query-invalid'
        : kind === 'partial'
          ? 'source-incomplete'
          : 'source-unavailable',
      message,
      { object: 'prometheus query', query: query.length > 300 ? query.slice(0, 300) + '…' : query },
    );
  }
}

export interface ClientStats {
  requests: number;
  retries: number;
  bytes: number;
}

/** One series of an instant query: its labels and [unix seconds, value]. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A remote read answer whose status says it can be read (not 5xx, 429, 401 or 403). */
export interface RemoteReadResponse {
  status: number;
  contentType: string;
  /** The body as it arrives; its bytes count in the client's stats. */
  body: AsyncIterable<Uint8Array>;
  /** The start of a body that is not a stream (an error message), sanitized. */
  text(): Promise<string>;
}

export interface PrometheusClient {
  queryRange(q: RangeQuery, signal?: AbortSignal): Promise<RangeResult>;
  /**
   * POST /api/v1/read with a snappy-compressed ReadRequest, with the client's auth and TLS.
   * `what` names the request in errors (never a header). Transient failures are retried.
   */
  remoteRead(body: Uint8Array, what: string, signal?: AbortSignal): Promise<RemoteReadResponse>;
  /** `/api/v1/query` at `time` (default: the server's now), same failure handling. */
  queryInstant(query: string, time?: number, signal?: AbortSignal): Promise<VectorSample[]>;
  readonly stats: ClientStats;
  readonly baseUrl: string;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** Milliseconds between retries start here (tests shorten it). */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export function createPrometheusClient(cfg: PrometheusConfig, opts: ClientOptions = {}): PrometheusClient {
  const base = cfg.url.replace(/\/+$/, '');
  const timeoutMs = (cfg.timeout ? parseDuration(cfg.timeout) : 60) * 1000;
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    'user-agent': 'tidemark',
    ...(cfg.headers ?? {}),
  };
  // Credentials are read now and registered, so no log line or error can ever carry them.
  if (cfg.bearerTokenFile) {
    const token = readFileSync(cfg.bearerTokenFile, 'utf8').trim();
    registerSecret(token);
    headers.authorization = `Bearer ${token}`;
  } else if (cfg.basicAuth) {
    const password = readFileSync(cfg.basicAuth.passwordFile, 'utf8').replace(/\r?\n$/, '');
    registerSecret(password);
    const encoded = Buffer.from(`${cfg.basicAuth.username}:${password}`).toString('base64');
    registerSecret(encoded);
    headers.authorization = `Basic ${encoded}`;
  }
  for (const v of Object.values(cfg.headers ?? {})) if (/^(bearer|basic) /i.test(v)) registerSecret(v);

  const tls = cfg.tls ?? {};
  const dispatcher: Dispatcher = new Agent({
    connect: {
      ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
      cert: tls.certFile ? readFileSync(tls.certFile) : undefined,
      key: tls.keyFile ? readFileSync(tls.keyFile) : undefined,
      rejectUnauthorized: !tls.insecureSkipVerify,
    },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connections: Math.max(4, cfg.concurrency ?? 4),
  });
  const stats: ClientStats = { requests: 0, retries: 0, bytes: 0 };

  async function once(q: RangeQuery, signal?: AbortSignal): Promise<RangeResult> {
    const data = await post(
      '/api/v1/query_range',
      {
        query: q.query,
        start: String(q.start),
        end: String(q.end),
        step: String(q.step),
        // The server's per-step accounting costs it ~15 %: only when the run summary wants it.
        ...(cfg.queryStats ? { stats: 'all' } : {}),
      },
      q.query,
      scanRangeResponse,
      signal,
    );
    if (data?.resultType !== 'matrix' || !Array.isArray(data.result))
      throw new QueryFailure(
        'bad-query',
        `expected a matrix from query_range, got ${data?.resultType}`,
        q.query,
      );
    return {
      result: data.result as Matrix[],
      serverSamples: data.stats?.samples?.totalQueryableSamples,
    };
  }

  async function instant(query: string, time?: number, signal?: AbortSignal): Promise<VectorSample[]> {
    const data = await post(
      '/api/v1/query',
      { query, ...(time !== undefined ? { time: String(time) } : {}) },
      query,
      parseWhole,
      signal,
    );
    if (data?.resultType !== 'vector' || !Array.isArray(data.result))
      throw new QueryFailure('bad-query', `expected a vector from query, got ${data?.resultType}`, query);
    return data.result as VectorSample[];
  }

  /** Small answers (instant queries, errors) are parsed whole. */
  function parseWhole(body: Buffer): { envelope: ScannedResponse['envelope'] & { data?: ResponseData } } {
    return { envelope: JSON.parse(body.toString('utf8')) as ScannedResponse['envelope'] };
  }

  interface ResponseData {
    resultType?: string;
    result?: unknown[];
    stats?: { samples?: { totalQueryableSamples?: number } };
  }

  async function post(
    path: string,
    params: Record<string, string>,
    query: string,
    decode: (body: Buffer) => ScannedResponse | { envelope: ScannedResponse['envelope']; result?: unknown[] },
    signal?: AbortSignal,
  ): Promise<ResponseData | undefined> {
    const q = { query };
    const body = new URLSearchParams({
      ...params,
      // The server stops the query itself rather than running on after we gave up.
      timeout: `${Math.max(1, Math.floor(timeoutMs / 1000))}s`,
    }).toString();
    stats.requests++;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${base}${path}`, {
        method: 'POST',
        headers,
        body,
        dispatcher,
        signal,
      });
    } catch (err) {
      throw transportFailure(err, `Prometheus at ${base}`, timeoutMs, q.query);
    }
    const raw = Buffer.from(await res.body.arrayBuffer());
    stats.bytes += raw.length;
    const status = res.statusCode;
    let parsed: ScannedResponse['envelope'] & { data?: ResponseData };
    try {
      const { envelope, result } = decode(raw);
      parsed = envelope;
      if (parsed.data && result) parsed.data = { ...parsed.data, result };
    } catch {
      if (status === 401 || status === 403)
        throw new QueryFailure(
          'auth',
          `Prometheus at ${base} refused the credentials (HTTP ${status})`,
          q.query,
          status,
        );
      if (status >= 500 || status === 429)
        throw new QueryFailure(
          'unavailable',
          `Prometheus at ${base} answered HTTP ${status}`,
          q.query,
          status,
        );
      throw new QueryFailure(
        'bad-query',
        `Prometheus at ${base} answered HTTP ${status} with a body that is not the query API's JSON`,
        q.query,
        status,
      );
    }
    if (parsed.status === 'success') {
      if (parsed.warnings?.length)
        throw new QueryFailure(
          'partial',
          `Prometheus at ${base} answered with warnings (a partial response): ${sanitizeText(parsed.warnings.join('; ')).slice(0, 300)}`,
          q.query,
          status,
        );
      return parsed.data;
    }
    const msg = sanitizeText(parsed.error ?? `HTTP ${status}`);
    const type = parsed.errorType ?? '';
    if (status === 401 || status === 403)
      throw new QueryFailure(
        'auth',
        `Prometheus at ${base} refused the credentials (HTTP ${status}): ${msg}`,
        q.query,
        status,
      );
    if (type === 'timeout' || /query timed out|context deadline exceeded/i.test(msg))
      throw new QueryFailure('timeout', `query timed out on the server: ${msg}`, q.query, status);
    if (/too many samples|exceeded maximum resolution|max.*samples|too many (series|chunks)/i.test(msg))
      throw new QueryFailure('too-large', `query too large for the server: ${msg}`, q.query, status);
    if (type === 'bad_data' || status === 400)
      throw new QueryFailure('bad-query', `Prometheus rejected the query: ${msg}`, q.query, status);
    throw new QueryFailure(
      'unavailable',
      `Prometheus at ${base} failed (HTTP ${status} ${type}): ${msg}`,
      q.query,
      status,
    );
  }

  async function read(body: Uint8Array, what: string, signal?: AbortSignal): Promise<RemoteReadResponse> {
    stats.requests++;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${base}/api/v1/read`, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          accept: 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse',
          'x-prometheus-remote-read-version': '0.1.0',
        },
        body,
        dispatcher,
        signal,
      });
    } catch (err) {
      throw transportFailure(err, `Prometheus remote read at ${base}/api/v1/read`, timeoutMs, what);
    }
    const status = res.statusCode;
    const text = async (): Promise<string> => {
      const raw = Buffer.from(await res.body.arrayBuffer());
      stats.bytes += raw.length;
      return sanitizeText(raw.toString('utf8', 0, Math.min(raw.length, 300)).trim());
    };
    if (status === 401 || status === 403 || status >= 500 || status === 429) {
      const msg = await text().catch(() => '');
      throw new QueryFailure(
        status === 401 || status === 403 ? 'auth' : 'unavailable',
        `Prometheus remote read at ${base}/api/v1/read answered HTTP ${status}${msg ? `: ${msg}` : ''}`,
        what,
        status,
      );
    }
    const contentType = String(res.headers['content-type'] ?? '');
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        stats.bytes += chunk.length;
        yield chunk;
      }
    }
    return { status, contentType, body: counted(), text };
  }

  const retrying = <T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> =>
    pRetry(fn, {
      retries: cfg.retries ?? 4,
      factor: 2,
      minTimeout: opts.retryMinMs ?? 1000,
      maxTimeout: opts.retryMaxMs ?? 30000,
      randomize: true,
      signal,
      // Only transient failures are repeated; the planner splits too-large and timed-out queries.
      shouldRetry: ({ error }) => error instanceof QueryFailure && error.kind === 'unavailable',
      onFailedAttempt: ({ error, retriesLeft }) => {
        if (error instanceof QueryFailure && error.kind === 'unavailable' && retriesLeft > 0) stats.retries++;
      },
    });

  return {
    stats,
    baseUrl: base,
    queryInstant: (query, time, signal) => retrying(() => instant(query, time, signal), signal),
    queryRange: (q, signal) => retrying(() => once(q, signal), signal),
    remoteRead: (body, what, signal) => retrying(() => read(body, what, signal), signal),
    close: () => dispatcher.close(),
  };
}

/** A request that got no answer: aborted by the caller, timed out, or the server unreachable. */
function transportFailure(err: unknown, endpoint: string, timeoutMs: number, what: string): Error {
  const e = err as Error & { code?: string };
  if (e.name === 'AbortError') return new AbortError(e);
  const timedOut = e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT';
  return new QueryFailure(
    timedOut ? 'timeout' : 'unavailable',
    `${endpoint} ${timedOut ? `did not answer within ${timeoutMs / 1000}s` : `is unreachable: ${sanitizeText(e.message)}`}`,
    what,
  );
}
