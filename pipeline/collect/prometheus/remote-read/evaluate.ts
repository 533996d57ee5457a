/**
 * The usage queries' values computed from raw samples, as Prometheus computes them
 * (promql/functions.go and the subquery's evaluation in promql/engine.go), so a remote read gives
 * the points the PromQL path gets, point for point. Windows are closed at both ends, as in
 * Prometheus 2 (Prometheus 3 opens them on the left: the two differ only for a sample exactly on
 * a window's first millisecond). Staleness markers are already out: range functions skip them.
 *   cpuMean  round(rate(cpu[step + 1ms]), 0.0001) at each point time T
 *   cpuMax   round(max_over_time(irate(cpu[2.5 × scrape])[step - 1s : scrape]), 0.0001)
 *   memMax   max_over_time(mem[step] offset 1ms)
 */
import { CPU_ROUNDING } from '../queries.js';
import type { SampleBuffer } from './xor.js';

/** Point times of one query range: from, from + step, … up to `to` (unix seconds). */
export interface PointGrid {
  from: number;
  to: number;
  step: number;
}

export interface Points {
  /** Unix seconds. */
  times: Float64Array;
  values: Float64Array;
}

const inverse = 1 / CPU_ROUNDING;
/** PromQL's round(v, 0.0001): ties round up, through the inverse as Prometheus does. */
export function roundCpu(v: number): number {
  return Math.floor(v * inverse + 0.5) / inverse;
}

function collect(grid: PointGrid, fill: (T: number, k: number) => number | undefined): Points {
  const n = Math.max(0, Math.floor((grid.to - grid.from) / grid.step) + 1);
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const T = (grid.from + k * grid.step) * 1000;
    const v = fill(T, k);
    // Like PromQL, a point with too few samples is absent, not NaN (NaN is a value too).
    if (v === undefined) continue;
    times[m] = T / 1000;
    values[m++] = v;
  }
  return { times: times.subarray(0, m), values: values.subarray(0, m) };
}

/** rate(x[step + 1ms]) at each point: extrapolatedRate with isCounter and isRate. */
export function ratePoints(s: SampleBuffer, grid: PointGrid): Points {
  const rangeMs = grid.step * 1000 + 1;
  const rangeSeconds = grid.step + 1e6 / 1e9;
  const { t, v, n } = s;
  let lo = 0;
  let hi = 0; // one past the last sample <= T
  return collect(grid, (T) => {
    const start = T - rangeMs;
    while (lo < n && t[lo]! < start) lo++;
    if (hi < lo) hi = lo;
    while (hi < n && t[hi]! <= T) hi++;
    const count = hi - lo;
    if (count < 2) return undefined;
    const first = v[lo]!;
    const last = v[hi - 1]!;
    let result = last - first;
    let prev = 0;
    for (let i = lo; i < hi; i++) {
      const x = v[i]!;
      if (x < prev) result += prev;
      prev = x;
    }
    let durationToStart = (t[lo]! - start) / 1000;
    const durationToEnd = (T - t[hi - 1]!) / 1000;
    const sampledInterval = (t[hi - 1]! - t[lo]!) / 1000;
    const averageBetween = sampledInterval / (count - 1);
    if (result > 0 && first >= 0) {
      const durationToZero = sampledInterval * (first / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    const threshold = averageBetween * 1.1;
    let extrapolateTo = sampledInterval;
    extrapolateTo += durationToStart < threshold ? durationToStart : averageBetween / 2;
    extrapolateTo += durationToEnd < threshold ? durationToEnd : averageBetween / 2;
    let factor = extrapolateTo / sampledInterval;
    factor /= rangeSeconds;
    return roundCpu(result * factor);
  });
}

/**
 * max_over_time(irate(x[w])[step - 1s : scrape]): the subquery evaluates irate at every multiple
 * of the scrape interval (epoch-aligned), and each point takes the highest in
 * [T - step + 1s, T]. irate at u is the rate between the last two samples at or before u, when
 * the earlier is within w of u; so each pair of samples (a, b) holds at the multiples u with
 * b <= u < next sample and u <= a + w.
 */
export function peakRatePoints(s: SampleBuffer, grid: PointGrid, scrape: number): Points {
  const { t, v, n } = s;
  const w = Math.round(scrape * 2.5) * 1000;
  const every = scrape * 1000;
  const stepMs = grid.step * 1000;
  const reach = (grid.step - 1) * 1000;
  const first = grid.from * 1000;
  const count = Math.max(0, Math.floor((grid.to - grid.from) / grid.step) + 1);
  const best = new Float64Array(count).fill(NaN);
  const seen = new Uint8Array(count);
  for (let i = 1; i < n; i++) {
    const a = t[i - 1]!;
    const b = t[i]!;
    const va = v[i - 1]!;
    const vb = v[i]!;
    const r = (vb < va ? vb : vb - va) / ((b - a) / 1000);
    const until = Math.min(i + 1 < n ? t[i + 1]! - 1 : Infinity, a + w);
    for (let u = Math.ceil(b / every) * every; u <= until; u += every) {
      // The one point whose window [T - step + 1s, T] holds u (windows are shorter than the step).
      const k = Math.ceil((u - first) / stepMs);
      if (k < 0 || k >= count) continue;
      if (first + k * stepMs - reach > u) continue;
      if (!seen[k] || r > best[k]! || Number.isNaN(best[k]!)) best[k] = r;
      seen[k] = 1;
    }
  }
  return collect(grid, (_T, k) => (seen[k] ? roundCpu(best[k]!) : undefined));
}

/** max_over_time(x[step] offset 1ms): the highest sample in [T - 1ms - step, T - 1ms]. */
export function maxPoints(s: SampleBuffer, grid: PointGrid): Points {
  const { t, v, n } = s;
  const stepMs = grid.step * 1000;
  let lo = 0;
  let hi = 0;
  return collect(grid, (T) => {
    const end = T - 1;
    const start = end - stepMs;
    while (lo < n && t[lo]! < start) lo++;
    if (hi < lo) hi = lo;
    while (hi < n && t[hi]! <= end) hi++;
    if (hi === lo) return undefined;
    let max = v[lo]!;
    for (let i = lo + 1; i < hi; i++) {
      const x = v[i]!;
      if (x > max || Number.isNaN(max)) max = x;
    }
    return max;
  });
}
