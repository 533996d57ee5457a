/** Helpers every metrics source shares, so both produce the estimator input the same way. */
import type { UsageSeries } from './types.js';

/** Element-wise max into `target`, ignoring NaN (duplicate series combine with max, never sum). */
export function maxInto(target: Float32Array, src: Float32Array): void {
  for (let i = 0; i < target.length; i++) {
    const v = src[i]!;
    if (Number.isNaN(v)) continue;
    const t = target[i]!;
    if (Number.isNaN(t) || v > t) target[i] = v;
  }
}

/** Drops leading and trailing all-gap intervals (a pod that started late or ended early). */
export function trimSeries(s: UsageSeries): UsageSeries {
  const has = (i: number): boolean => !Number.isNaN(s.cpuMean[i]!) || !Number.isNaN(s.memMax[i]!);
  let a = 0;
  let b = s.cpuMean.length;
  while (a < b && !has(a)) a++;
  while (b > a && !has(b - 1)) b--;
  // Most series cover the whole window: no copy (three arrays of a window's intervals each).
  if (a === 0 && b === s.cpuMean.length && s.offset === 0) return s;
  return {
    ...s,
    offset: a,
    cpuMean: s.cpuMean.slice(a, b),
    cpuMax: s.cpuMax.slice(a, b),
    memMax: s.memMax.slice(a, b),
  };
}
