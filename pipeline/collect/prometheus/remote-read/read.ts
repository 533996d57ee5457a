/**
 * One batch's usage series by remote read: the batch's cAdvisor series come back as the stored
 * XOR chunks (Prometheus evaluates nothing and encodes nothing), streamed a frame at a time; each
 * series is decoded, reduced to the query points as PromQL would compute them (evaluate.ts) and
 * handed to the same accumulator the PromQL path fills, then dropped. Memory is one series'
 * samples plus the batch's output.
 */
import { SourceError } from '../../../core/errors.js';
import type { UsageWindow } from '../../types.js';
import { QueryFailure, type PrometheusClient } from '../client.js';
import { addMatrix, type BatchAccumulator } from '../decode.js';
import {
  CPU_METRIC,
  MEM_METRIC,
  type BatchSelector,
  type QueryShape,
  type UsageQueryKind,
} from '../queries.js';
import { maxPoints, peakRatePoints, ratePoints, type PointGrid, type Points } from './evaluate.js';
import { readFrames, remoteReadError } from './frames.js';
import { batchMatchers } from './matchers.js';
import { decodeChunkedReadResponse, encodeReadRequest, XOR_ENCODING, type ReadQuery } from './messages.js';
import { snappyLiteralBlock } from './snappy.js';
import { ChunkDecodeError, decodeXorChunk, SampleBuffer } from './xor.js';

export const STREAMED_CONTENT_TYPE = 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse';

/** What remote read adds to the source's stats. */
export interface RemoteReadCounters {
  requests: number;
  frames: number;
  /** Raw samples decoded inside the read range. */
  rawSamples: number;
  /** Staleness markers met (left out, as PromQL's range functions do). */
  staleMarkers: number;
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

/** Reads one batch into `acc`, as runSplitting's queries for these kinds would. */
export async function readBatchRemote(
  c: PrometheusClient,
  b: RemoteBatch,
  acc: BatchAccumulator,
  counters: RemoteReadCounters,
  signal?: AbortSignal,
): Promise<void> {
  const cpu = b.kinds.includes('cpuMean') || b.kinds.includes('cpuMax');
  const mem = b.kinds.includes('memMax');
  if (!b.grids.length || (!cpu && !mem)) return;
  // Samples reach back one step before the first point, and for the peak's irate its window more.
  const irateMs = Math.round(b.shape.scrape * 2.5) * 1000;
  const startMs = Math.min(...b.grids.map((g) => (g.from - g.step) * 1000)) - irateMs - 1;
  const endMs = Math.max(...b.grids.map((g) => g.to * 1000));
  const queries: ReadQuery[] = [];
  const metricOf: string[] = [];
  for (const [want, metric] of [
    [cpu, CPU_METRIC],
    [mem, MEM_METRIC],
  ] as const) {
    if (!want) continue;
    queries.push({ startMs, endMs, matchers: batchMatchers(metric, b.sel) });
    metricOf.push(metric);
  }
  const what = `remote read of ${b.sel.namespace} (${b.sel.pods.length || 'all'} pods)`;
  const samplesPerPoint = Math.max(1, Math.round(b.w.step / b.shape.scrape));
  const finish = (metric: string, labels: Record<string, string>, s: SampleBuffer): void => {
    counters.rawSamples += s.n;
    counters.staleMarkers += s.stale;
    const add = (kind: UsageQueryKind, g: PointGrid, p: Points): void => {
      if (p.times.length)
        addMatrix(
          acc,
          kind,
          [{ metric: labels, times: p.times, values: p.values }],
          b.w,
          samplesPerPoint,
          g.step,
        );
    };
    for (const g of b.grids) {
      if (metric === MEM_METRIC) add('memMax', g, maxPoints(s, g));
      else {
        if (b.kinds.includes('cpuMean')) add('cpuMean', g, ratePoints(s, g));
        if (b.kinds.includes('cpuMax')) add('cpuMax', g, peakRatePoints(s, g, b.shape.scrape));
      }
    }
  };
  await stream(c, queries, what, counters, signal, (queryIndex, labels, samples) => {
    const metric = metricOf[queryIndex];
    if (metric === undefined)
      throw remoteReadError(
        `${c.baseUrl}/api/v1/read`,
        `a frame answers query ${queryIndex}, but ${what} sent ${queries.length}`,
      );
    finish(metric, labels, samples);
  });
}

type OnSeries = (queryIndex: number, labels: Record<string, string>, samples: SampleBuffer) => void;

/**
 * Sends the queries and walks the answer series by series: a series may span several frames
 * (the server cuts frames at a size), so it is done when a frame of another series, or the end,
 * arrives.
 */
async function stream(
  c: PrometheusClient,
  queries: ReadQuery[],
  what: string,
  counters: RemoteReadCounters,
  signal: AbortSignal | undefined,
  onSeries: OnSeries,
): Promise<void> {
  const url = `${c.baseUrl}/api/v1/read`;
  const res = await c.remoteRead(snappyLiteralBlock(encodeReadRequest(queries)), what, signal);
  counters.requests++;
  await refuseUnstreamed(c, res);
  const samples = new SampleBuffer();
  let current: { key: string; query: number; labels: Record<string, string> } | undefined;
  const [startMs, endMs] = [
    Math.min(...queries.map((q) => q.startMs)),
    Math.max(...queries.map((q) => q.endMs)),
  ];
  for await (const frame of readFrames(res.body, url)) {
    counters.frames++;
    let decoded;
    try {
      decoded = decodeChunkedReadResponse(frame);
    } catch (err) {
      throw remoteReadError(
        url,
        `frame ${counters.frames} of ${what} is not a ChunkedReadResponse (${(err as Error).message})`,
        'source-incomplete',
        err,
      );
    }
    for (const s of decoded.series) {
      const key = `${decoded.queryIndex}\u0000${s.labels.map((l) => `${l.name}=${l.value}`).join('\u0000')}`;
      if (current?.key !== key) {
        if (current) onSeries(current.query, current.labels, samples);
        const labels: Record<string, string> = {};
        for (const l of s.labels) if (l.name !== '__name__') labels[l.name] = l.value;
        current = { key, query: decoded.queryIndex, labels };
        samples.reset();
      }
      for (const chunk of s.chunks) {
        if (chunk.maxTimeMs < startMs || chunk.minTimeMs > endMs) continue;
        const series = `{${s.labels.map((l) => `${l.name}="${l.value}"`).join(', ')}}`;
        if (chunk.type !== XOR_ENCODING)
          throw remoteReadError(
            url,
            `${series} has a chunk of encoding ${chunk.type}, not XOR (a native histogram where a float series was expected)`,
          );
        try {
          decodeXorChunk(chunk.data, samples, startMs, endMs);
        } catch (err) {
          if (!(err instanceof ChunkDecodeError)) throw err;
          throw remoteReadError(
            url,
            `${series}'s chunk ${new Date(chunk.minTimeMs).toISOString()}–${new Date(chunk.maxTimeMs).toISOString()} cannot be decoded: ${err.message}`,
          );
        }
      }
    }
  }
  if (current) onSeries(current.query, current.labels, samples);
}

async function refuseUnstreamed(
  c: PrometheusClient,
  res: Awaited<ReturnType<PrometheusClient['remoteRead']>>,
): Promise<void> {
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
    await stream(
      c,
      [{ startMs: endMs - 1, endMs, matchers: batchMatchers(CPU_METRIC, one) }],
      `remote read probe of ${one.namespace}`,
      newRemoteReadCounters(),
      signal,
      () => {},
    );
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
