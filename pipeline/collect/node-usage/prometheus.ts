/**
 * Node usage from Prometheus, as the node sees it, one point per node per analysis interval
 * (the same reduction the container queries use: CPU `rate` over exactly the interval, memory the
 * interval's peak):
 *
 *   node-exporter  CPU    Σ rate(node_cpu_seconds_total) over every mode but idle, iowait and steal
 *                  memory MemTotal − the interval's lowest MemAvailable
 *   cAdvisor       CPU    rate(container_cpu_usage_seconds_total{id="/"}) (the root cgroup)
 *                  memory the interval's highest container_memory_working_set_bytes{id="/"}
 *
 * A node counts once per exporter: series of several scrape jobs are kept apart on the server and
 * combined with max here (never summed). In `auto`, node-exporter is read first and cAdvisor only
 * for the nodes it did not cover. Queries go a day of the window at a time; one the server refuses
 * as too large, or that times out, is split in half and asked again.
 */
import { SourceError } from '../../core/errors.js';
import type { PrometheusConfig } from '../../config/types.js';
import type { SourceContext, UsageWindow } from '../types.js';
import { QueryFailure, type Matrix, type PrometheusClient } from '../prometheus/client.js';
import { CPU_ROUNDING } from '../prometheus/queries.js';
import { nodeMatcher } from './match.js';
import type {
  NodeUsageKind,
  NodeUsageMode,
  NodeUsageRequest,
  NodeUsageResult,
  NodeUsageSeries,
} from './types.js';

type Part = 'cpu' | 'memory';

const BUSY = 'mode!~"idle|iowait|steal"';

function sel(parts: string[], extra?: string): string {
  return [...parts, ...(extra?.trim() ? [extra.trim()] : [])].join(', ');
}

/** The PromQL for one exporter and part, at the window's step. */
export function nodeUsageQuery(kind: NodeUsageKind, part: Part, step: number, extra?: string): string {
  // As in the container queries: a range one millisecond longer than the step holds both boundary
  // samples, so the rate covers exactly the interval; `offset 1ms` makes [t − step, t).
  const closed = `${step * 1000 + 1}ms`;
  const by = 'by (instance, node, job)';
  // CPU to 0.1 millicores, as the container queries round it.
  if (kind === 'node-exporter')
    return part === 'cpu'
      ? `round(sum ${by} (rate(node_cpu_seconds_total{${sel([BUSY], extra)}}[${closed}])), ${CPU_ROUNDING})`
      : `max ${by} (node_memory_MemTotal_bytes{${sel([], extra)}}) - min ${by} (min_over_time(node_memory_MemAvailable_bytes{${sel([], extra)}}[${step}s] offset 1ms))`;
  return part === 'cpu'
    ? `round(max ${by} (rate(container_cpu_usage_seconds_total{${sel(['id="/"'], extra)}}[${closed}])), ${CPU_ROUNDING})`
    : `max ${by} (max_over_time(container_memory_working_set_bytes{${sel(['id="/"'], extra)}}[${step}s] offset 1ms))`;
}

/** One node's arrays for one exporter, filled as points arrive (several jobs: the larger value). */
function put(
  into: Map<string, NodeUsageSeries>,
  kind: NodeUsageKind,
  node: string,
  part: Part,
  m: Matrix,
  w: UsageWindow,
): void {
  const slots = Math.round((w.end - w.start) / w.step);
  let s = into.get(node);
  if (!s) {
    s = {
      node,
      kind,
      cpu: new Float32Array(slots).fill(NaN),
      memory: new Float32Array(slots).fill(NaN),
    };
    into.set(node, s);
  }
  const target = s[part];
  for (let p = 0; p < m.times.length; p++) {
    const i = Math.round((m.times[p]! - w.start) / w.step) - 1;
    const v = m.values[p]!;
    if (i < 0 || i >= slots || !Number.isFinite(v) || v < 0) continue;
    const cur = target[i]!;
    if (Number.isNaN(cur) || v > cur) target[i] = v;
  }
}

export interface NodeUsageStats {
  queries: number;
  splits: number;
}

async function rangeSplitting(
  c: PrometheusClient,
  query: string,
  from: number,
  to: number,
  step: number,
  stats: NodeUsageStats,
  signal?: AbortSignal,
): Promise<Matrix[]> {
  try {
    stats.queries++;
    return (await c.queryRange({ query, start: from, end: to, step }, signal)).result;
  } catch (err) {
    if (!(err instanceof QueryFailure) || (err.kind !== 'too-large' && err.kind !== 'timeout')) throw err;
    const points = Math.round((to - from) / step) + 1;
    if (points <= 1)
      throw new SourceError(
        'source-unavailable',
        `${err.message} (node usage, already split down to one interval: raise the server's limits or timeout)`,
        { ...err.context },
        { cause: err },
      );
    stats.splits++;
    const mid = from + Math.floor((points - 1) / 2) * step;
    const a = await rangeSplitting(c, query, from, mid, step, stats, signal);
    const b = await rangeSplitting(c, query, mid + step, to, step, stats, signal);
    return [...a, ...b];
  }
}

export async function readPrometheusNodeUsage(
  c: PrometheusClient,
  cfg: Pick<PrometheusConfig, 'selector' | 'concurrency' | 'nodeUsage'>,
  request: NodeUsageRequest,
  ctx: SourceContext,
  stats: NodeUsageStats = { queries: 0, splits: 0 },
): Promise<NodeUsageResult> {
  const mode: NodeUsageMode = cfg.nodeUsage ?? 'auto';
  const w = request.window;
  const wanted = new Set(request.nodes.map((n) => n.name));
  const match = nodeMatcher(request.nodes);
  const queries: string[] = [];
  const found = new Map<string, NodeUsageSeries>();
  if (mode === 'off') return { series: [], queries, missing: [...wanted].sort() };
  const kinds: NodeUsageKind[] =
    mode === 'auto'
      ? ['node-exporter', 'cadvisor']
      : [mode === 'node-exporter' ? 'node-exporter' : 'cadvisor'];
  // A day at a time: node-exporter's CPU family is cores × modes series per node.
  const chunks: [number, number][] = [];
  for (let from = w.start + w.step; from <= w.end; from += 86400)
    chunks.push([from, Math.min(w.end, from + 86400 - w.step)]);
  for (const kind of kinds) {
    const missing = [...wanted].filter((n) => !found.has(n));
    if (!missing.length) break;
    const got = new Map<string, NodeUsageSeries>();
    for (const part of ['cpu', 'memory'] as const) {
      const query = nodeUsageQuery(kind, part, w.step, cfg.selector);
      queries.push(query);
      const jobs = chunks.map(([from, to]) => async () => {
        for (const m of await rangeSplitting(c, query, from, to, w.step, stats, ctx.signal)) {
          const node = match(m.metric);
          if (node && !found.has(node)) put(got, kind, node, part, m, w);
        }
      });
      const limit = Math.max(1, cfg.concurrency ?? 4);
      for (let i = 0; i < jobs.length; i += limit)
        await Promise.all(jobs.slice(i, i + limit).map((j) => j()));
    }
    for (const [node, s] of got) found.set(node, s);
  }
  const series = [...found.values()].sort((a, b) => a.node.localeCompare(b.node));
  ctx.logger.debug('node usage read', {
    nodes: series.length,
    byKind: Object.fromEntries(kinds.map((k) => [k, series.filter((s) => s.kind === k).length])),
    queries: stats.queries,
  });
  return { series, queries, missing: [...wanted].filter((n) => !found.has(n)).sort() };
}
