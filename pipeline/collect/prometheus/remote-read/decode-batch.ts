/**
 * The CPU side of a remote read, from the answer's bytes to the batch's usage series: frames,
 * ChunkedReadResponse, XOR chunks, the query points (evaluate.ts) and the accumulator the PromQL
 * path fills. It knows no HTTP and no credentials, so it runs as well in a decode worker
 * (decode-worker.ts) as on the main thread (the probe, and where no worker can start).
 */
import type { InvalidSamples, UsageSeries, UsageWindow } from '../../types.js';
import { trimSeries } from '../../usage-series.js';
import type { CeilingIndex } from '../../sample-check.js';
import { addMatrix, newBatchAccumulator } from '../decode.js';
import { MEM_METRIC, type UsageQueryKind } from '../queries.js';
import { maxPoints, peakRatePoints, ratePoints, type PointGrid, type Points } from './evaluate.js';
import { readFrames, remoteReadError } from './frames.js';
import { decodeChunkedReadResponse, XOR_ENCODING } from './messages.js';
import { ChunkDecodeError, decodeXorChunk, SampleBuffer } from './xor.js';

/** What the walk over one answer counts, added to the source's RemoteReadCounters. */
export interface WalkCounts {
  frames: number;
  /** Raw samples decoded inside the read range. */
  rawSamples: number;
  /** Staleness markers met (left out, as PromQL's range functions do). */
  staleMarkers: number;
}

type OnSeries = (queryIndex: number, labels: Record<string, string>, samples: SampleBuffer) => void;

/**
 * Walks an answer series by series: a series may span several frames (the server cuts frames at
 * a size), so it is done when a frame of another series, or the end, arrives. `what` and `url`
 * name the request in errors; frames are numbered within this answer.
 */
export async function walkSeries(
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  range: { startMs: number; endMs: number },
  url: string,
  what: string,
  counts: WalkCounts,
  onSeries: OnSeries,
): Promise<void> {
  const { startMs, endMs } = range;
  const samples = new SampleBuffer();
  let current: { key: string; query: number; labels: Record<string, string> } | undefined;
  const done = (): void => {
    if (!current) return;
    counts.rawSamples += samples.n;
    counts.staleMarkers += samples.stale;
    onSeries(current.query, current.labels, samples);
  };
  let frames = 0;
  for await (const frame of readFrames(toAsync(body), url)) {
    frames++;
    counts.frames++;
    let decoded;
    try {
      decoded = decodeChunkedReadResponse(frame);
    } catch (err) {
      throw remoteReadError(
        url,
        `frame ${frames} of ${what} is not a ChunkedReadResponse (${(err as Error).message})`,
        'source-incomplete',
        err,
      );
    }
    for (const s of decoded.series) {
      const key = `${decoded.queryIndex}\u0000${s.labels.map((l) => `${l.name}=${l.value}`).join('\u0000')}`;
      if (current?.key !== key) {
        done();
        const labels: Record<string, string> = {};
        for (const l of s.labels) if (l.name !== '__name__') labels[l.name] = l.value;
        current = { key, query: decoded.queryIndex, labels };
        samples.reset();
      }
      for (const chunk of s.chunks) {
        if (chunk.maxTimeMs < startMs || chunk.minTimeMs > endMs) continue;
        // Built only for an error, not for every chunk.
        const series = (): string => `{${s.labels.map((l) => `${l.name}="${l.value}"`).join(', ')}}`;
        if (chunk.type !== XOR_ENCODING)
          throw remoteReadError(
            url,
            `${series()} has a chunk of encoding ${chunk.type}, not XOR (a native histogram where a float series was expected)`,
          );
        try {
          decodeXorChunk(chunk.data, samples, startMs, endMs);
        } catch (err) {
          if (!(err instanceof ChunkDecodeError)) throw err;
          throw remoteReadError(
            url,
            `${series()}'s chunk ${new Date(chunk.minTimeMs).toISOString()}–${new Date(chunk.maxTimeMs).toISOString()} cannot be decoded: ${err.message}`,
          );
        }
      }
    }
  }
  done();
}

async function* toAsync(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* body;
}

/** One batch's answer to decode: everything but the bytes, and nothing secret. */
export interface DecodeTask {
  /** The endpoint, as errors name it. */
  url: string;
  /** The request, as errors name it. */
  what: string;
  /** The metric each query of the request asked for, by query index. */
  metrics: string[];
  startMs: number;
  endMs: number;
  w: UsageWindow;
  grids: PointGrid[];
  scrape: number;
  /** The usage kinds to compute (cpuMean, cpuMax, memMax). */
  kinds: UsageQueryKind[];
  /**
   * The batch is complete with these series (no PromQL kind adds to them): trim them here and
   * leave out those without CPU, as runBatch would, so only the read part crosses back.
   */
  final: boolean;
}

/** A batch's usage series and what they add to the source's stats. */
export interface DecodedBatch extends WalkCounts {
  /** Trimmed when the task was final; whole-window arrays otherwise. */
  series: UsageSeries[];
  points: number;
  invalid: InvalidSamples;
}

/** Decodes one answer (the whole body) into the batch's series, checked against `ceilings`. */
export async function decodeBatch(
  body: Uint8Array,
  task: DecodeTask,
  ceilings: CeilingIndex,
): Promise<DecodedBatch> {
  const acc = newBatchAccumulator(ceilings);
  const counts: WalkCounts = { frames: 0, rawSamples: 0, staleMarkers: 0 };
  const { w, grids, kinds } = task;
  const samplesPerPoint = Math.max(1, Math.round(w.step / task.scrape));
  const cpuMean = kinds.includes('cpuMean');
  const cpuMax = kinds.includes('cpuMax');
  // A final batch's arrays start at the first interval its points cover: a warm read fills a
  // day of a 14-day window, and whole-window arrays were 14 times the memory to allocate, fill
  // and trim away.
  const base = task.final
    ? Math.max(0, Math.min(...grids.map((g) => Math.round((g.from - g.step - w.start) / w.step))))
    : 0;
  const into = base ? { start: w.start + base * w.step, end: w.end, step: w.step } : w;
  const add = (kind: UsageQueryKind, labels: Record<string, string>, g: PointGrid, p: Points): void => {
    if (p.times.length)
      addMatrix(
        acc,
        kind,
        [{ metric: labels, times: p.times, values: p.values }],
        into,
        samplesPerPoint,
        g.step,
      );
  };
  await walkSeries([body], task, task.url, task.what, counts, (queryIndex, labels, s) => {
    const metric = task.metrics[queryIndex];
    if (metric === undefined)
      throw remoteReadError(
        task.url,
        `a frame answers query ${queryIndex}, but ${task.what} sent ${task.metrics.length}`,
      );
    for (const g of grids) {
      if (metric === MEM_METRIC) add('memMax', labels, g, maxPoints(s, g));
      else {
        if (cpuMean) add('cpuMean', labels, g, ratePoints(s, g));
        if (cpuMax) add('cpuMax', labels, g, peakRatePoints(s, g, task.scrape));
      }
    }
  });
  const all = [...acc.series.values()];
  return {
    ...counts,
    series: task.final
      ? all
          .map(trimSeries)
          .filter((s) => s.cpuMean.length > 0)
          .map((s) => (base ? { ...s, offset: s.offset + base } : s))
      : all,
    points: acc.points,
    invalid: acc.invalid,
  };
}
