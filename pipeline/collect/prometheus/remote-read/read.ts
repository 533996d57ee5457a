/**
 * One batch's usage series by remote read: the batch's cAdvisor series come back as the stored
 * XOR chunks (Prometheus evaluates nothing and encodes nothing), in frames. The request, its
 * auth, retries and timeouts stay here, on the main thread; the answer's bytes go to a decode
 * worker (decode-pool.ts), which decodes each series, reduces it to the query points as PromQL
 * would compute them (evaluate.ts) into the same accumulator the PromQL path fills, and hands
 * back the batch's series. Memory is the batch's answer plus its output, per batch in flight.
 */
import { SourceError } from '../../../core/errors.js';
import type { UsageSeries, UsageWindow } from '../../types.js';
import { addInvalid } from '../../sample-check.js';
import { QueryFailure, type PrometheusClient, type RemoteReadResponse } from '../client.js';
import type { BatchAccumulator } from '../decode.js';
import {
  CPU_METRIC,
  MEM_METRIC,
  type BatchSelector,
  type QueryShape,
  type UsageQueryKind,
} from '../queries.js';
import { walkSeries, type WalkCounts } from './decode-batch.js';
import type { DecodePool } from './decode-pool.js';
import type { PointGrid } from './evaluate.js';
import { remoteReadError } from './frames.js';
import { batchMatchers } from './matchers.js';
import { encodeReadRequest, type ReadQuery } from './messages.js';
import { snappyLiteralBlock } from './snappy.js';

export const STREAMED_CONTENT_TYPE = 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse';

/** What remote read adds to the source's stats. */
export interface RemoteReadCounters extends WalkCounts {
  requests: number;
}

export function newRemoteReadCounters(): RemoteReadCounters {
  return { requests: 0, frames: 0, rawSamples: 0, staleMarkers: 0 };
}

/** The server does not serve streamed remote read: the source reads with PromQL instead. */
export class RemoteReadRefused extends SourceError {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super('source-unavailable', `does not serve streamed remote read: ${reason}`, {
      object: `Prometheus at ${url}`,
      field: 'metrics.prometheus.read',
    });
  }
}

export interface RemoteBatch {
  sel: BatchSelector;
  w: UsageWindow;
  /** The query ranges (point times and step) the PromQL path would send for this batch. */
  grids: PointGrid[];
  shape: QueryShape;
  /** The usage kinds to compute (cpuMean, cpuMax, memMax). */
  kinds: UsageQueryKind[];
}

/**
 * Reads one batch as runSplitting's queries for these kinds would: the request and its answer's
 * bytes here, the decoding in `pool`. When `final` (no PromQL kind adds to the series), returns
 * the batch's series trimmed; otherwise puts them, whole, into `acc` and returns none.
 */
export async function readBatchRemote(
  c: PrometheusClient,
  b: RemoteBatch,
  acc: BatchAccumulator,
  counters: RemoteReadCounters,
  pool: DecodePool,
  o: { final: boolean; signal?: AbortSignal },
): Promise<UsageSeries[]> {
  const cpu = b.kinds.includes('cpuMean') || b.kinds.includes('cpuMax');
  const mem = b.kinds.includes('memMax');
  if (!b.grids.length || (!cpu && !mem)) return [];
  // Samples reach back one step before the first point, and for the peak's irate its window more.
  const irateMs = Math.round(b.shape.scrape * 2.5) * 1000;
  const startMs = Math.min(...b.grids.map((g) => (g.from - g.step) * 1000)) - irateMs - 1;
  const endMs = Math.max(...b.grids.map((g) => g.to * 1000));
  const queries: ReadQuery[] = [];
  const metrics: string[] = [];
  for (const [want, metric] of [
    [cpu, CPU_METRIC],
    [mem, MEM_METRIC],
  ] as const) {
    if (!want) continue;
    queries.push({ startMs, endMs, matchers: batchMatchers(metric, b.sel) });
    metrics.push(metric);
  }
  const what = `remote read of ${b.sel.namespace} (${b.sel.pods.length || 'all'} pods)`;
  const res = await send(c, queries, what, counters, o.signal);
  const body = await readBody(res.body);
  const r = await pool.decode(body, {
    url: `${c.baseUrl}/api/v1/read`,
    what,
    metrics,
    startMs,
    endMs,
    w: b.w,
    grids: b.grids,
    scrape: b.shape.scrape,
    kinds: b.kinds,
    final: o.final,
  });
  counters.frames += r.frames;
  counters.rawSamples += r.rawSamples;
  counters.staleMarkers += r.staleMarkers;
  acc.points += r.points;
  addInvalid(acc.invalid, r.invalid);
  if (o.final) return r.series;
  for (const s of r.series) acc.series.set(`${s.namespace}/${s.pod}/${s.container}`, s);
  return [];
}

/** The whole answer in one buffer (a few MB per batch; `concurrency` bounds how many are held). */
async function readBody(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Sends the queries; an answer that is not a stream is refused here, with its reason. */
async function send(
  c: PrometheusClient,
  queries: ReadQuery[],
  what: string,
  counters: RemoteReadCounters,
  signal: AbortSignal | undefined,
): Promise<RemoteReadResponse> {
  const res = await c.remoteRead(snappyLiteralBlock(encodeReadRequest(queries)), what, signal);
  counters.requests++;
  await refuseUnstreamed(c, res);
  return res;
}

async function refuseUnstreamed(c: PrometheusClient, res: RemoteReadResponse): Promise<void> {
  const type = res.contentType.replace(/\s+/g, ' ').trim();
  if (
    res.status >= 200 &&
    res.status < 300 &&
    type.toLowerCase().startsWith(STREAMED_CONTENT_TYPE.toLowerCase())
  )
    return;
  const body = await res.text().catch(() => '');
  // Endpoints a server or proxy does not have, or an answer in another form (sampled protobuf):
  // the PromQL path can still read.
  if ((res.status >= 200 && res.status < 300) || [404, 405, 406, 415, 501].includes(res.status))
    throw new RemoteReadRefused(
      c.baseUrl,
      res.status >= 300
        ? `HTTP ${res.status}${body ? ` (${body.slice(0, 120)})` : ''}`
        : `it answered ${type || 'without a content type'}, not ${STREAMED_CONTENT_TYPE}`,
    );
  throw remoteReadError(
    `${c.baseUrl}/api/v1/read`,
    `answered HTTP ${res.status}${body ? `: ${body}` : ''}`,
    'query-invalid',
  );
}

/**
 * Asks for a moment of one pod's CPU series: answers whether this server streams remote read,
 * before any batch relies on it. Undefined when it does; the reason when it does not.
 */
export async function probeRemoteRead(
  c: PrometheusClient,
  sel: BatchSelector,
  endMs: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const one = { ...sel, pods: sel.pods.slice(0, 1) };
  try {
    const query = { startMs: endMs - 1, endMs, matchers: batchMatchers(CPU_METRIC, one) };
    const what = `remote read probe of ${one.namespace}`;
    const counters = newRemoteReadCounters();
    const res = await send(c, [query], what, counters, signal);
    await walkSeries(res.body, query, `${c.baseUrl}/api/v1/read`, what, counters, () => {});
    return undefined;
  } catch (err) {
    if (err instanceof RemoteReadRefused) return err.reason;
    // The preflight's PromQL passed with these credentials: a 403 here forbids remote read only
    // (a gateway that allows queries), so PromQL can still read.
    if (err instanceof QueryFailure && err.status === 403)
      return 'HTTP 403 (remote read forbidden for these credentials)';
    throw err;
  }
}
