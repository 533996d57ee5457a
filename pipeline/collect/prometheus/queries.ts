/**
 * The PromQL behind the estimator input. Prometheus does the per-interval reduction (rate,
 * max_over_time), so what comes back is one point per container per interval, never the raw
 * scrapes, and values are short so the JSON stays short:
 *   cpuMean  rate over exactly the interval (both boundary samples, so no extrapolation), cores
 *            rounded to 0.1 m
 *   cpuMax   the highest rate between two consecutive scrapes inside the interval, same rounding
 *   memMax   the highest working set in [start, end) of the interval, bytes as scraped
 * A point at time t describes the interval [t - step, t), like the file source's slots.
 *
 * Every operator wrapped around a range function costs Prometheus a pass over the result, with a
 * label-set hash per point and step (a quarter of its CPU at 20,000 containers was hashing). So
 * the forms are as flat as they can be: `round(x, 0.0001)` rounds without a separate scaling
 * step (n / 10000 prints as its short decimal), and the working set, an integer already, comes
 * back from `max_over_time` untouched.
 */
import type { UsageWindow } from '../types.js';

export const CPU_METRIC = 'container_cpu_usage_seconds_total';
export const MEM_METRIC = 'container_memory_working_set_bytes';
export const OOM_METRIC = 'kube_pod_container_status_last_terminated_reason';
export const RESTART_METRIC = 'kube_pod_container_status_restarts_total';

/** CPU values are rounded to this many cores (0.1 millicores). */
export const CPU_ROUNDING = 0.0001;

export type UsageQueryKind = 'cpuMean' | 'cpuMax' | 'memMax' | 'oom' | 'restarts';
export const QUERY_KINDS: UsageQueryKind[] = ['cpuMean', 'cpuMax', 'memMax', 'oom', 'restarts'];

export interface BatchSelector {
  namespace: string;
  /** Pod names; empty means the whole namespace. */
  pods: string[];
  /** Extra matchers from the config, e.g. cluster="prod-gz". */
  extra?: string;
}

const BY = 'namespace, pod, container';

/** RE2 escape of a literal (the raw expression; a PromQL string escapes it again). */
export function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function strEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export function matchers(sel: BatchSelector, cadvisor: boolean): string {
  const parts = [`namespace="${strEscape(sel.namespace)}"`];
  if (sel.pods.length === 1) parts.push(`pod="${strEscape(sel.pods[0]!)}"`);
  else if (sel.pods.length > 1) parts.push(`pod=~"${strEscape(sel.pods.map(reEscape).join('|'))}"`);
  if (cadvisor) parts.push('container!=""', 'container!="POD"');
  if (sel.extra?.trim()) parts.push(sel.extra.trim());
  return parts.join(', ');
}

/** What shapes a usage query besides its selector and range. */
export interface QueryShape {
  /** Scrape interval in seconds (the peak subquery's resolution). */
  scrape: number;
  /** A recorded per-container CPU rate read instead of the counter. */
  recordedCpuRate?: string;
}

export function usageQuery(
  kind: UsageQueryKind,
  sel: BatchSelector,
  step: number,
  shape: QueryShape,
): string {
  const { scrape, recordedCpuRate } = shape;
  // Range windows one millisecond longer than the step include the sample on each boundary in
  // Prometheus 2 (closed windows) and 3 (left-open), so a rate covers exactly the interval.
  const closed = `${step * 1000 + 1}ms`;
  if (recordedCpuRate && (kind === 'cpuMean' || kind === 'cpuMax')) {
    // A recorded rate at time e covers the scrapes up to e, so the rule's points in (t-step, t]
    // cover the interval, lagged by less than one evaluation (rule groups run on their own
    // offset): with an irate rule their mean is the interval's rate and their highest the
    // scrape-resolution peak the subquery computes on the counter (index.test.ts: totals within
    // 0.5 %, peaks within 1 %).
    const fn = kind === 'cpuMean' ? 'avg_over_time' : 'max_over_time';
    return `round(${fn}(${recordedCpuRate}{${matchers(sel, true)}}[${step - 1}s]), ${CPU_ROUNDING})`;
  }
  switch (kind) {
    // Usage series are not aggregated on the server: a `max by` costs Prometheus a grouping per
    // series per step (a third of its evaluation time), while the rare duplicate series of one
    // container combine with max on our side just the same (decode.ts).
    case 'cpuMean':
      return `round(rate(${CPU_METRIC}{${matchers(sel, true)}}[${closed}]), ${CPU_ROUNDING})`;
    case 'cpuMax': {
      // irate at scrape resolution, sampled once per scrape inside (t-step, t].
      const w = Math.round(scrape * 2.5);
      return `round(max_over_time(irate(${CPU_METRIC}{${matchers(sel, true)}}[${w}s])[${step - 1}s:${scrape}s]), ${CPU_ROUNDING})`;
    }
    case 'memMax':
      // `offset 1ms` makes the window [t-step, t): the sample at t belongs to the next interval.
      return `max_over_time(${MEM_METRIC}{${matchers(sel, true)}}[${step}s] offset 1ms)`;
    case 'oom':
      return `max by (${BY}) (max_over_time(${OOM_METRIC}{reason="OOMKilled", ${matchers(sel, false)}}[${step}s] offset 1ms)) > 0`;
    case 'restarts':
      return `round(max by (${BY}) (increase(${RESTART_METRIC}{${matchers(sel, false)}}[${closed}]))) > 0`;
  }
}

/** Points per series a range query over `window` returns. */
export function pointsPerSeries(window: UsageWindow): number {
  return Math.round((window.end - window.start) / window.step);
}

/**
 * Samples Prometheus holds for one query (what --query.max-samples limits): the output matrix
 * plus, for the subquery, the inner evaluation at scrape resolution.
 */
export function estimateSamples(
  kind: UsageQueryKind,
  series: number,
  window: UsageWindow,
  shape: QueryShape,
): number {
  const points = pointsPerSeries(window);
  const perStep = Math.ceil(window.step / shape.scrape) + 1;
  const inner =
    kind === 'cpuMax' && !shape.recordedCpuRate ? Math.ceil((window.end - window.start) / shape.scrape) : 0;
  return series * (points + perStep + inner);
}

/** The cheap preflight: is the metric there at all under the selector (a typo fails fast)? */
export function presenceQuery(metric: string, extra?: string): string {
  const sel = extra?.trim() ? `{${extra.trim()}}` : '';
  return `count(${metric}${sel})`;
}

/** The preflight's second look: any sample at all in the `seconds` before the query time. */
export function presenceOverQuery(metric: string, seconds: number, extra?: string): string {
  const sel = extra?.trim() ? `{${extra.trim()}}` : '';
  return `count(count_over_time(${metric}${sel}[${seconds}s]))`;
}

/**
 * `tidemark validate`'s survey: one series per container with a sample of `metric` in the
 * `seconds` before the query time (the window's end, exclusive), in one namespace or all.
 */
export function surveyQuery(metric: string, seconds: number, extra?: string, namespace?: string): string {
  const parts = [
    ...(namespace !== undefined ? [`namespace="${strEscape(namespace)}"`] : []),
    'container!=""',
    'container!="POD"',
    ...(extra?.trim() ? [extra.trim()] : []),
  ];
  return `group by (${BY}) (last_over_time(${metric}{${parts.join(', ')}}[${seconds}s] offset 1ms))`;
}

export interface WorkloadQueryOptions extends QueryShape {
  /** The analysis window; events (OOM kills, restarts) are read over it at its step. */
  window: UsageWindow;
  cpuPeaks?: 'scrape' | 'interval';
  /** Usage query ranges (point times) when a coarse tier splits them; default the window at its step. */
  tiers?: { from: number; to: number; step: number }[];
}

const KIND_NOTES: Record<UsageQueryKind, string> = {
  cpuMean: 'mean CPU per interval, cores to 0.1 millicores',
  cpuMax: 'highest CPU between two scrapes per interval, cores to 0.1 millicores',
  memMax: 'peak working set per interval, bytes',
  oom: 'OOM kills',
  restarts: 'container restarts',
};

/**
 * The range queries the Prometheus source sends for one workload's pods, as a reviewer can paste
 * them into Prometheus: the text `usageQuery` builds, narrowed to the workload's pods (a batch
 * may hold other pods of the namespace), each preceded by its range and step as a PromQL comment.
 */
export function workloadQueries(sel: BatchSelector, o: WorkloadQueryOptions): string[] {
  const iso = (t: number): string => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const w = o.window;
  const fine = { from: w.start + w.step, to: w.end, step: w.step };
  const lines: string[] = [];
  for (const kind of QUERY_KINDS) {
    if (kind === 'cpuMax' && o.cpuPeaks === 'interval') continue;
    const events = kind === 'oom' || kind === 'restarts';
    for (const t of events ? [fine] : (o.tiers ?? [fine]))
      lines.push(
        `# ${kind} (${KIND_NOTES[kind]}): start=${iso(t.from)} end=${iso(t.to)} step=${t.step}s`,
        usageQuery(kind, sel, t.step, o),
      );
  }
  return lines;
}
