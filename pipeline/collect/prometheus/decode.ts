/** Turns query_range matrices into the estimator input on the window grid. */
import type {
  InvalidSamples,
  OomEvent,
  RestartEvent,
  SampleCeiling,
  UsageSeries,
  UsageWindow,
} from '../types.js';
import type { Matrix } from './client.js';
import type { UsageQueryKind } from './queries.js';
import {
  ceilingIndex,
  cpuCeiling,
  describeCeiling,
  describeInvalid,
  invalidReason,
  newInvalidSamples,
  recordInvalid,
  type CeilingIndex,
} from '../sample-check.js';

export interface BatchAccumulator {
  series: Map<string, UsageSeries>;
  ooms: OomEvent[];
  restarts: RestartEvent[];
  /** Points received, for the run summary. */
  points: number;
  /** The most each container's values can be (its node's capacity). */
  ceilings: CeilingIndex;
  /** Values dropped as invalid (collect/sample-check.ts). */
  invalid: InvalidSamples;
}

export function newBatchAccumulator(
  ceilings: CeilingIndex = ceilingIndex({ window: { start: 0, end: 0, step: 1 }, containers: [] }),
): BatchAccumulator {
  return { series: new Map(), ooms: [], restarts: [], points: 0, ceilings, invalid: newInvalidSamples() };
}

function slotOf(t: number, w: UsageWindow): number {
  // A point at t describes [t - step, t).
  return Math.round((t - w.start) / w.step) - 1;
}

function seriesFor(acc: BatchAccumulator, m: Record<string, string>, slots: number): UsageSeries | undefined {
  const { namespace, pod, container } = m;
  if (!namespace || !pod || !container) return undefined;
  const id = `${namespace}/${pod}/${container}`;
  let s = acc.series.get(id);
  if (!s) {
    s = {
      namespace,
      pod,
      container,
      offset: 0,
      cpuMean: new Float32Array(slots).fill(NaN),
      cpuMax: new Float32Array(slots).fill(NaN),
      memMax: new Float32Array(slots).fill(NaN),
      samples: 0,
    };
    acc.series.set(id, s);
  }
  return s;
}

/**
 * `samplesPerPoint`: raw scrapes behind one window interval (step / scrape interval), for
 * min-history. `pointStep`: the query's step; a coarse point (e.g. 1 h) fills every window
 * interval it covers with its value (mean CPU, highest peaks), as the coarse tier promises.
 */
export function addMatrix(
  acc: BatchAccumulator,
  kind: UsageQueryKind,
  result: Matrix[],
  w: UsageWindow,
  samplesPerPoint = 1,
  pointStep = w.step,
): void {
  const k = Math.max(1, Math.round(pointStep / w.step));
  const slots = Math.round((w.end - w.start) / w.step);
  for (const r of result) {
    acc.points += r.times.length;
    if (kind === 'oom' || kind === 'restarts') {
      addEvents(acc, kind, r, w);
      continue;
    }
    const s = seriesFor(acc, r.metric, slots);
    if (!s) continue;
    const target = kind === 'cpuMean' ? s.cpuMean : kind === 'cpuMax' ? s.cpuMax : s.memMax;
    const { times, values } = r;
    const ceiling = acc.ceilings.of(s.namespace, s.pod, s.container);
    const cap = kind === 'memMax' ? ceiling.memoryBytes : cpuCeiling(ceiling);
    for (let p = 0; p < times.length; p++) {
      const last = slotOf(times[p]!, w);
      const v = values[p]!;
      // NaN, ±Inf, negatives and values above the node all fail this one test.
      if (!(v >= 0 && v <= cap)) {
        dropPoint(acc, kind, s, times[p]!, v, ceiling);
        continue;
      }
      for (let i = Math.max(0, last - k + 1); i <= last && i < slots; i++) {
        const cur = target[i]!;
        // Duplicate series of one container (cAdvisor across a restart) combine with max; the
        // scrapes behind an interval are counted once.
        if (Number.isNaN(cur)) {
          target[i] = v;
          if (kind === 'cpuMean') s.samples += samplesPerPoint;
        } else if (v > cur) target[i] = v;
      }
    }
  }
}

/** Counts an invalid point; the example is written only for the first. */
function dropPoint(
  acc: BatchAccumulator,
  kind: UsageQueryKind,
  s: UsageSeries,
  t: number,
  v: number,
  ceiling: SampleCeiling,
): void {
  const reason = invalidReason(v);
  recordInvalid(
    acc.invalid,
    reason,
    () =>
      `${kind} of ${s.namespace}/${s.pod}/${s.container} at ${new Date(t * 1000).toISOString()}: ${v}: ${describeInvalid(reason, describeCeiling(ceiling, kind !== 'memMax'))}`,
  );
}

function addEvents(acc: BatchAccumulator, kind: 'oom' | 'restarts', r: Matrix, w: UsageWindow): void {
  const { namespace, pod, container } = r.metric;
  if (!namespace || !pod || !container) return;
  let prevSlot = -2;
  for (let p = 0; p < r.times.length; p++) {
    const t = r.times[p]!;
    const i = slotOf(t, w);
    const v = r.values[p]!;
    if (!Number.isFinite(v) || v <= 0) continue;
    if (kind === 'restarts') {
      acc.restarts.push({ namespace, pod, container, time: t - w.step, count: v });
    } else if (i !== prevSlot + 1) {
      // The "last terminated: OOMKilled" gauge stays 1 until the next termination; a new run
      // of ones after a gap is a new kill.
      acc.ooms.push({ namespace, pod, container, time: t - w.step, source: 'metrics' });
    }
    prevSlot = i;
  }
}
