/**
 * Turns raw samples into the estimator input on the window grid, one series at a time:
 * CPU from counter pairs (resets restart from zero, no rate across long gaps, increases split
 * across interval boundaries), memory as the interval's highest working set.
 */
import type { UsageWindow } from '../types.js';
import { invalidReason, type InvalidReason } from '../sample-check.js';

/** How many typical scrape intervals a gap may span before we stop computing a rate across it. */
export const MAX_GAP_SCRAPES = 5;

export interface CpuAccumulator {
  lastT: number;
  lastV: number;
  /** Smallest scrape spacing seen: the series' resolution. */
  interval: number;
  inc: Float64Array;
  covered: Float64Array;
  max: Float32Array;
  samples: number;
}

export function newCpuAccumulator(slots: number): CpuAccumulator {
  return {
    lastT: NaN,
    lastV: NaN,
    interval: Infinity,
    inc: new Float64Array(slots),
    covered: new Float64Array(slots),
    max: new Float32Array(slots).fill(NaN),
    samples: 0,
  };
}

/**
 * Adds one counter sample; returns why it is invalid, if it is: a negative or non-finite counter,
 * or one whose rate from the previous sample is above `maxRate` cores (a corrupt value). An
 * invalid sample is skipped whole, so the next pair spans it.
 */
export function addCpuSample(
  acc: CpuAccumulator,
  w: UsageWindow,
  t: number,
  v: number,
  maxRate: number,
): InvalidReason | undefined {
  if (!(v >= 0 && v <= Number.MAX_VALUE)) return invalidReason(v);
  if (!Number.isNaN(acc.lastT) && t <= acc.lastT) return undefined; // duplicate or out of order: keep the first
  if (Number.isNaN(acc.lastT)) {
    acc.samples++;
    acc.lastT = t;
    acc.lastV = v;
    return undefined;
  }
  const dt = t - acc.lastT;
  const increase = v >= acc.lastV ? v - acc.lastV : v; // a drop is a restart from zero
  const rate = increase / dt;
  if (!(rate <= maxRate)) return 'aboveNode';
  acc.samples++;
  acc.interval = Math.min(acc.interval, dt);
  const t0 = acc.lastT;
  acc.lastT = t;
  acc.lastV = v;
  if (dt > Math.max(MAX_GAP_SCRAPES * acc.interval, 120)) return undefined; // across a gap: unknown, not zero
  // Spread the pair over the intervals it overlaps.
  let from = Math.max(t0, w.start);
  const to = Math.min(t, w.end);
  while (from < to) {
    const slot = Math.floor((from - w.start) / w.step);
    const slotEnd = w.start + (slot + 1) * w.step;
    const seg = Math.min(to, slotEnd) - from;
    acc.inc[slot]! += rate * seg;
    acc.covered[slot]! += seg;
    const m = acc.max[slot]!;
    if (Number.isNaN(m) || rate > m) acc.max[slot] = rate;
    from += seg;
  }
  return undefined;
}

/**
 * Adds one working-set sample inside the window: 'ok', 'outside' the window, or why it is
 * invalid (negative, not finite, above `maxBytes`).
 */
export function addMemorySample(
  max: Float32Array,
  w: UsageWindow,
  t: number,
  v: number,
  maxBytes: number,
): 'ok' | 'outside' | InvalidReason {
  if (t < w.start || t >= w.end) return 'outside';
  if (!(v >= 0 && v <= maxBytes)) return invalidReason(v);
  const slot = Math.floor((t - w.start) / w.step);
  const m = max[slot]!;
  if (Number.isNaN(m) || v > m) max[slot] = v;
  return 'ok';
}

/** CPU mean per interval; intervals with too little coverage (< 1/5 of the step) are gaps. */
export function cpuMeans(acc: CpuAccumulator, w: UsageWindow): Float32Array {
  const out = new Float32Array(acc.inc.length).fill(NaN);
  for (let i = 0; i < out.length; i++)
    if (acc.covered[i]! >= w.step / 5) out[i] = acc.inc[i]! / acc.covered[i]!;
  return out;
}
