/**
 * The live metrics source: a Prometheus-compatible query API. Produces exactly the estimator
 * input the file source produces (collect/types.ts), batch by batch, so memory follows one batch
 * per query in flight, not the cluster.
 *
 * Gentle on the server: batches by namespace and pod sets sized under --query.max-samples,
 * bounded concurrency, a rejected-as-too-large or timed-out query is split (fewer pods, then a
 * shorter range) rather than repeated, and only transient failures are retried.
 */
import { SourceError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import type { PrometheusConfig } from '../../config/types.js';
import type {
  ContainerRef,
  InvalidSamples,
  MetricsSource,
  MetricsStats,
  SourceContext,
  UsageBatch,
  UsageRequest,
  UsageSeries,
  UsageSurvey,
  UsageWindow,
} from '../types.js';
import { trimSeries } from '../usage-series.js';
import {
  createPrometheusClient,
  QueryFailure,
  type ClientOptions,
  type PrometheusClient,
  type VectorSample,
} from './client.js';
import { addMatrix, newBatchAccumulator, type BatchAccumulator } from './decode.js';
import { planBatches } from './plan.js';
import {
  CPU_METRIC,
  MEM_METRIC,
  QUERY_KINDS,
  presenceOverQuery,
  presenceQuery,
  surveyQuery,
  usageQuery,
  type BatchSelector,
  type QueryShape,
  type UsageQueryKind,
} from './queries.js';
import { createProgress } from './progress.js';
import {
  newRemoteReadCounters,
  probeRemoteRead,
  readBatchRemote,
  type RemoteReadCounters,
} from './remote-read/read.js';
import { parseSelector } from './remote-read/matchers.js';
import { createDecodePool, decodeWorkerCount, type DecodePool } from './remote-read/decode-pool.js';
import { readPrometheusNodeUsage } from '../node-usage/prometheus.js';
import {
  addInvalid,
  ceilingIndex,
  newInvalidSamples,
  warnInvalid,
  type CeilingIndex,
} from '../sample-check.js';

export interface PrometheusSourceOptions {
  client?: ClientOptions;
  /** Force the progress display on or off (default: a bar on a terminal, log lines elsewhere). */
  progress?: 'bar' | 'log' | 'none';
  /**
   * Remote read's decode workers (default: one per core, at most `concurrency`); 0 decodes on
   * the main thread.
   */
  decodeWorkers?: number;
}

/** The contract's stats, with every counter this source keeps present. */
type SourceStats = MetricsStats &
  Required<Pick<MetricsStats, 'retries' | 'splits' | 'batches' | 'serverSamples' | 'invalidSamples'>>;

export const PROMETHEUS_DEFAULTS = {
  concurrency: 4,
  maxSeriesPerQuery: 250,
  maxSamplesPerQuery: 50_000_000,
  scrapeInterval: '60s',
};

export function createPrometheusSource(
  cfg: PrometheusConfig,
  opts: PrometheusSourceOptions = {},
): MetricsSource {
  const stats: SourceStats = {
    queries: 0,
    series: 0,
    samples: 0,
    bytes: 0,
    retries: 0,
    splits: 0,
    serverSamples: 0,
    batches: 0,
    invalidSamples: newInvalidSamples(),
  };
  let client: PrometheusClient | undefined;
  // Remote read when asked for and the server streams it (decided once per read, by a probe).
  const remote = cfg.read === 'remote-read' ? newRemoteReadCounters() : undefined;
  // Remote read sends the selector as parsed matchers: a selector it cannot parse fails now.
  if (remote) parseSelector(cfg.selector);
  let fallback: string | undefined;
  const nodeStats = { queries: 0, bytes: 0, retries: 0, splits: 0 };
  const shape: QueryShape = {
    scrape: parseDuration(cfg.scrapeInterval ?? PROMETHEUS_DEFAULTS.scrapeInterval),
    recordedCpuRate: cfg.recordedCpuRate,
  };
  const sync = (): void => {
    if (!client) return;
    stats.queries = client.stats.requests;
    stats.bytes = client.stats.bytes;
    stats.retries = client.stats.retries;
  };

  const description = `prometheus ${cfg.url.replace(/\/\/[^@/]*@/, '//')}`;
  return {
    description,
    stats: () => {
      sync();
      return {
        ...stats,
        invalidSamples: { ...stats.invalidSamples },
        queries: stats.queries + nodeStats.queries,
        bytes: stats.bytes + nodeStats.bytes,
        retries: stats.retries + nodeStats.retries,
        splits: stats.splits + nodeStats.splits,
        ...(remote
          ? {
              read: fallback
                ? { mode: 'promql' as const, fallback }
                : { mode: 'remote-read' as const, ...remote },
            }
          : {}),
      };
    },
    async readNodeUsage(request, ctx) {
      const c = createPrometheusClient(cfg, opts.client);
      const own = { queries: 0, splits: 0 };
      try {
        return await readPrometheusNodeUsage(c, cfg, request, ctx, own);
      } finally {
        // Kept apart: sync() sets the usage client's totals, these come on top.
        nodeStats.splits += own.splits;
        nodeStats.queries += c.stats.requests;
        nodeStats.bytes += c.stats.bytes;
        nodeStats.retries += c.stats.retries;
        await c.close();
      }
    },
    async survey(request: UsageRequest, ctx: SourceContext): Promise<UsageSurvey> {
      client ??= createPrometheusClient(cfg, opts.client);
      const c = client;
      try {
        return await survey(c, cfg, request, ctx.signal);
      } finally {
        sync();
        await c.close();
        client = undefined;
      }
    },
    async *readUsage(request: UsageRequest, ctx: SourceContext): AsyncIterable<UsageBatch> {
      client ??= createPrometheusClient(cfg, opts.client);
      const c = client;
      const w = request.window;
      const ceilings = ceilingIndex(request);
      const invalid = newInvalidSamples();
      let pool: DecodePool | undefined;
      try {
        // A warm run reads only what its checkpoint lacks: fewer points, so larger batches too.
        const read = readRange(w, request.from);
        await preflight(c, cfg, w, read, ctx.signal);
        const batches = planBatches(request.containers, {
          window: read,
          shape,
          maxSeries: cfg.maxSeriesPerQuery ?? PROMETHEUS_DEFAULTS.maxSeriesPerQuery,
          maxSamples: cfg.maxSamplesPerQuery ?? PROMETHEUS_DEFAULTS.maxSamplesPerQuery,
          extra: cfg.selector,
        });
        stats.batches = batches.length;
        const progress = createProgress(opts.progress, ctx.logger, batches.length);
        const concurrency = cfg.concurrency ?? PROMETHEUS_DEFAULTS.concurrency;
        const kinds = QUERY_KINDS.filter((k) => k !== 'cpuMax' || cfg.cpuPeaks !== 'interval');
        const coarse = coarseTier(cfg, w);
        if (remote && batches.length) {
          fallback = await probeRemoteRead(c, batches[0]!, w.end * 1000, ctx.signal);
          if (fallback)
            ctx.logger.warn('remote read refused; reading usage with PromQL', {
              url: c.baseUrl,
              reason: fallback,
            });
          else pool = createDecodePool(decodeWorkerCount(concurrency, opts.decodeWorkers), request, ceilings);
        }
        // A sliding window of batches in flight, yielded in order: bounded concurrency and
        // bounded memory (finished batches wait at most `concurrency` deep).
        const inFlight: Promise<UsageBatch>[] = [];
        let next = 0;
        const start = (): void => {
          const sel = batches[next++]!;
          inFlight.push(
            runBatch(c, sel, w, read.start, shape, kinds, coarse, stats, ceilings, invalid, ctx.signal, {
              remote: pool && remote ? { counters: remote, pool } : undefined,
            }),
          );
        };
        while (next < batches.length && inFlight.length < concurrency) start();
        try {
          while (inFlight.length) {
            const batch = await inFlight.shift()!;
            if (next < batches.length) start();
            sync();
            progress.tick({ series: stats.series, queries: stats.queries });
            yield batch;
          }
        } finally {
          progress.stop();
          // Settle what is still running so no rejection goes unhandled after an early failure.
          await Promise.allSettled(inFlight);
        }
        addInvalid(stats.invalidSamples, invalid);
        warnInvalid(ctx.logger, description, invalid);
      } finally {
        sync();
        await pool?.close();
        await c.close();
        client = undefined;
      }
    },
  };
}

/** Namespaces the whole-cluster survey stands for when it has to go namespace by namespace. */
export const OTHER_NAMESPACES = '(namespaces without workloads)';

/**
 * validate's look at the source: the preflight, then the containers with usage in the window,
 * one instant query per metric for the whole cluster; one the server finds too large or too
 * slow goes namespace by namespace (the cluster's), and a namespace still too large is reported
 * as not surveyed.
 */
async function survey(
  c: PrometheusClient,
  cfg: PrometheusConfig,
  request: UsageRequest,
  signal?: AbortSignal,
): Promise<UsageSurvey> {
  const w = request.window;
  await preflight(c, cfg, w, w, signal);
  const key = (r: ContainerRef): string => `${r.namespace}/${r.pod}/${r.container}`;
  const requested = new Set(request.containers.map(key));
  const namespaces = [...new Set(request.containers.map((r) => r.namespace))].sort();
  const withUsage = new Map<string, ContainerRef>();
  const unrequested: ContainerRef[] = [];
  const notSurveyed = new Set<string>();
  const tooBig = (err: unknown): boolean =>
    err instanceof QueryFailure && (err.kind === 'too-large' || err.kind === 'timeout');
  for (const metric of [cfg.recordedCpuRate ?? CPU_METRIC, MEM_METRIC]) {
    const seconds = w.end - w.start;
    let rows: VectorSample[];
    try {
      rows = await c.queryInstant(surveyQuery(metric, seconds, cfg.selector), w.end, signal);
    } catch (err) {
      if (!tooBig(err)) throw err;
      rows = [];
      notSurveyed.add(OTHER_NAMESPACES);
      for (const ns of namespaces) {
        try {
          rows.push(...(await c.queryInstant(surveyQuery(metric, seconds, cfg.selector, ns), w.end, signal)));
        } catch (e) {
          if (!tooBig(e)) throw e;
          notSurveyed.add(ns);
        }
      }
    }
    for (const { metric: m } of rows) {
      const { namespace, pod, container } = m;
      if (!namespace || !pod || !container) continue;
      const ref = { namespace, pod, container };
      if (requested.has(key(ref))) withUsage.set(key(ref), ref);
      else unrequested.push(ref);
    }
  }
  return {
    withUsage: [...withUsage.values()],
    unrequested,
    ...(notSurveyed.size ? { notSurveyed: [...notSurveyed] } : {}),
  };
}

async function preflight(
  c: PrometheusClient,
  cfg: PrometheusConfig,
  w: UsageWindow,
  read: UsageWindow,
  signal?: AbortSignal,
): Promise<void> {
  // A wrong metric name or selector should fail in a second, not after every batch. The first look
  // is a count at four instants: each costs Prometheus a seek per series (12 instants were a tenth
  // of its CPU at 20,000 containers, and ran before any batch). Only when they see nothing is the
  // whole window counted, which is instant when nothing matches and thorough when the history is
  // sparse, so a gappy history never fails here.
  // The instants lie in what this run reads: a range query loads every block it spans, so four
  // instants over 14 days cost Prometheus 5–7 s at 20,000 containers where the warm run's one
  // day costs under one.
  // First the one instant at the read's end: a metric scraped now answers in a seek per series
  // (0.15 s at 20,000 containers, against 0.5–0.65 s for the four).
  const step = Math.max(w.step, Math.ceil((read.end - read.start) / 4 / w.step) * w.step);
  const seen = async (metric: string): Promise<boolean> => {
    const now = await c.queryInstant(presenceQuery(metric, cfg.selector), read.end, signal);
    if (now.some((s) => Number(s.value[1]) > 0)) return true;
    const r = await c.queryRange(
      {
        query: presenceQuery(metric, cfg.selector),
        start: Math.min(read.start + step, read.end),
        end: read.end,
        step,
      },
      signal,
    );
    if (r.result.some((m) => m.values.some((v) => v > 0))) return true;
    try {
      const whole = await c.queryInstant(
        presenceOverQuery(metric, w.end - w.start, cfg.selector),
        w.end,
        signal,
      );
      return whole.some((s) => Number(s.value[1]) > 0);
    } catch (err) {
      // Too many samples to count, or too slow to: there is history, and the batches split it.
      if (err instanceof QueryFailure && (err.kind === 'too-large' || err.kind === 'timeout')) return true;
      throw err;
    }
  };
  const metrics = [cfg.recordedCpuRate ?? CPU_METRIC, MEM_METRIC];
  const found = await Promise.all(metrics.map(seen));
  const missing = metrics.find((_, i) => !found[i]);
  if (missing)
    throw new SourceError(
      'source-incomplete',
      `Prometheus at ${c.baseUrl} has no ${missing} series${cfg.selector ? ` matching {${cfg.selector}}` : ''} between ${iso(w.start)} and ${iso(w.end)}: ${missing === cfg.recordedCpuRate ? 'check that the recording rule exists and has run over the window' : "check the metric names (cAdvisor's)"} and prometheus.selector`,
      {
        object: 'prometheus',
        field:
          missing === cfg.recordedCpuRate
            ? 'metrics.prometheus.recordedCpuRate'
            : 'metrics.prometheus.selector',
      },
    );
}

function iso(t: number): string {
  return new Date(t * 1000).toISOString();
}

async function runBatch(
  c: PrometheusClient,
  sel: BatchSelector,
  w: UsageWindow,
  from: number,
  shape: QueryShape,
  kinds: UsageQueryKind[],
  coarse: CoarseTier | undefined,
  stats: SourceStats,
  ceilings: CeilingIndex,
  invalid: InvalidSamples,
  signal?: AbortSignal,
  o: { remote?: { counters: RemoteReadCounters; pool: DecodePool } } = {},
): Promise<UsageBatch> {
  const acc = newBatchAccumulator(ceilings);
  // Remote read brings the cAdvisor series; kube-state-metrics' events (a few series, one point
  // per interval) and a recorded CPU rate stay on PromQL.
  const remoteKinds = o.remote
    ? kinds.filter((k) => k === 'memMax' || ((k === 'cpuMean' || k === 'cpuMax') && !shape.recordedCpuRate))
    : [];
  // Series the remote read finished (trimmed where they were decoded).
  let read: UsageSeries[] = [];
  if (o.remote && remoteKinds.length) {
    read = await readBatchRemote(
      c,
      { sel, w, grids: tiers(w, coarse, from), shape, kinds: remoteKinds },
      acc,
      o.remote.counters,
      o.remote.pool,
      {
        // Events never touch the series: only a PromQL usage kind (a recorded rate) adds to them.
        final: kinds.every((k) => remoteKinds.includes(k) || k === 'oom' || k === 'restarts'),
        signal,
      },
    );
  }
  for (const kind of kinds) {
    if (remoteKinds.includes(kind)) continue;
    const events = kind === 'oom' || kind === 'restarts';
    for (const tier of events ? [{ from: from + w.step, to: w.end, step: w.step }] : tiers(w, coarse, from))
      await runSplitting(c, kind, sel, w, tier.from, tier.to, tier.step, shape, acc, stats, signal);
  }
  const series = [...read, ...[...acc.series.values()].map(trimSeries).filter((s) => s.cpuMean.length > 0)];
  addInvalid(invalid, acc.invalid);
  stats.series += series.length;
  stats.samples += acc.points;
  return { series, ooms: acc.ooms, restarts: acc.restarts };
}

export interface CoarseTier {
  /** Seconds of recent history kept at the window's step. */
  after: number;
  /** Step of the older history (a multiple of the window's step). */
  step: number;
}

/** The coarse tier the config asks for, checked against the window. */
export function coarseTier(cfg: PrometheusConfig, w: UsageWindow): CoarseTier | undefined {
  if (!cfg.coarse) return undefined;
  const after = parseDuration(cfg.coarse.after);
  const step = parseDuration(cfg.coarse.step);
  if (step % w.step !== 0 || step <= w.step)
    throw new SourceError(
      'query-invalid',
      `coarse.step must be a multiple of the analysis step (${w.step}s) and larger`,
      {
        field: 'metrics.prometheus.coarse.step',
      },
    );
  return { after, step };
}

/** Query ranges (point times) per tier: coarse points up to the fine tier, then fine ones. */
export function tiers(
  w: UsageWindow,
  coarse: CoarseTier | undefined,
  /** Read from here on only (UsageRequest.from); the tiers keep their grid. */
  from = w.start,
): { from: number; to: number; step: number }[] {
  const fine = { from: w.start + w.step, to: w.end, step: w.step };
  if (!coarse) return [{ ...fine, from: from + w.step }];
  const n = Math.floor((w.end - coarse.after - w.start) / coarse.step);
  if (n <= 0) return [{ ...fine, from: from + w.step }];
  const edge = w.start + n * coarse.step;
  if (from >= edge) return [{ from: from + w.step, to: w.end, step: w.step }];
  if (from > w.start) {
    // Coarse points describe the coarse step before them: start at the one covering `from`.
    const first = w.start + Math.floor((from - w.start) / coarse.step) * coarse.step;
    return [
      { from: first + coarse.step, to: edge, step: coarse.step },
      { from: edge + w.step, to: w.end, step: w.step },
    ];
  }
  return [
    { from: w.start + coarse.step, to: edge, step: coarse.step },
    { from: edge + w.step, to: w.end, step: w.step },
  ];
}

/** The part of the window a request needs read (UsageRequest.from), on the window's grid. */
export function readRange(w: UsageWindow, from: number | undefined): UsageWindow {
  if (from === undefined || from <= w.start) return w;
  const start = Math.min(w.end, w.start + Math.floor((from - w.start) / w.step) * w.step);
  return { start, end: w.end, step: w.step };
}

/** Runs one query; on too-large or timeout, halves the pod set, then the time range. */
async function runSplitting(
  c: PrometheusClient,
  kind: UsageQueryKind,
  sel: BatchSelector,
  w: UsageWindow,
  from: number,
  to: number,
  step: number,
  shape: QueryShape,
  acc: BatchAccumulator,
  stats: SourceStats,
  signal?: AbortSignal,
): Promise<void> {
  try {
    const r = await c.queryRange(
      { query: usageQuery(kind, sel, step, shape), start: from, end: to, step },
      signal,
    );
    stats.serverSamples += r.serverSamples ?? 0;
    addMatrix(acc, kind, r.result, w, Math.max(1, Math.round(w.step / shape.scrape)), step);
  } catch (err) {
    if (!(err instanceof QueryFailure) || (err.kind !== 'too-large' && err.kind !== 'timeout')) throw err;
    if (sel.pods.length > 1) {
      stats.splits++;
      const half = Math.ceil(sel.pods.length / 2);
      for (const pods of [sel.pods.slice(0, half), sel.pods.slice(half)])
        await runSplitting(c, kind, { ...sel, pods }, w, from, to, step, shape, acc, stats, signal);
      return;
    }
    const points = Math.round((to - from) / step) + 1;
    if (points > 1) {
      stats.splits++;
      const mid = from + Math.floor((points - 1) / 2) * step;
      await runSplitting(c, kind, sel, w, from, mid, step, shape, acc, stats, signal);
      await runSplitting(c, kind, sel, w, mid + step, to, step, shape, acc, stats, signal);
      return;
    }
    throw new SourceError(
      'source-unavailable',
      `${err.message} (already split down to one pod and one interval: raise the server's limits or timeout)`,
      { ...err.context },
      { cause: err },
    );
  }
}
