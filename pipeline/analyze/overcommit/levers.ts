/**
 * The two levers, computed together. The amplification ratio lends headroom to requests (more
 * pods fit on the scheduler's arithmetic); reclaim lends it to usage (Koordinator's mid and batch
 * resources). Both draw on the same headroom — what a node can give at the margin — so with both
 * on, each would lend it in full and the node would promise it twice. Here the ratio gets at most
 * `amplificationShare` of the headroom, and reclaim gets what the ratio actually took off the
 * rest, written as Koordinator's caps (mid and batch threshold percents of capacity, floored):
 *
 *     amplified = (ratio − 1) × allocatable      ≤ share × headroom
 *     reclaim   = headroom − amplified             the mid tier's cap
 *     batch     = batch headroom − amplified        ≤ reclaim (the batch tier also leaves the mid tier's use)
 *
 * so amplified + what reclaim may lend ≤ headroom, whatever the inputs (levers.test.ts, a property).
 */
import type { PoolResource } from './pools.js';

export type RatioChange = 'lowered' | 'raised' | 'step' | 'capped' | 'unchanged';

export interface LeverOptions {
  threshold: number;
  margin: number;
  maxRatio: number;
  raiseStep: number;
  /** Share of the headroom the ratio may lend (0…1). */
  amplificationShare: number;
  /** The ratio live now. */
  current: number;
}

export interface Levers {
  /** share × headroom: the most the ratio may lend. */
  amplificationBudget: number;
  /** 1 + budget / allocatable: the ratio the pool could carry now. */
  rawRatio: number;
  ratio: number;
  change: RatioChange;
  /** (ratio − 1) × allocatable: the requests the ratio lets in. */
  amplified: number;
  /** headroom − amplified: what reclaim may lend; the mid tier may take all of it. */
  reclaim: number;
  midMay: number;
  /** batch headroom − amplified: the batch tier also leaves the mid tier's use. */
  batchMay: number;
  /** Written to Koordinator: floor(100 × cap / capacity). */
  midPercent: number;
  batchPercent: number;
  /** capacity × percent / 100: the caps Koordinator enforces from those percents. */
  midCap: number;
  batchCap: number;
  /** cpu/memoryReclaimThresholdPercent: threshold − margin, so Koordinator's own batch formula leaves the margin. */
  reclaimPercent: number;
  /** What the high tier holds (with the system) when nothing is lent any more. */
  fallsBackAt: number;
  /** What the high tier holds above which the next run lowers the new ratio (absent at ×1.0). */
  lowersAbove?: number;
}

const floor2 = (x: number): number => Math.floor(x * 100 + 1e-9) / 100;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * The next ratio: never above the policy ceiling; a lower one at once (load rose), a higher one at
 * most a step per run (load fell: let it prove itself).
 */
export function nextRatio(
  rawRatio: number,
  current: number,
  maxRatio: number,
  step: number,
): { ratio: number; why: RatioChange } {
  const target = Math.max(1, Math.min(maxRatio, floor2(rawRatio)));
  if (target < current) return { ratio: target, why: 'lowered' };
  if (target === current) return { ratio: current, why: 'unchanged' };
  // Floored, so a step never rounds up past itself.
  const stepped = floor2(Math.min(target, current + step));
  if (stepped < target) return { ratio: stepped, why: 'step' };
  return { ratio: target, why: floor2(rawRatio) > maxRatio ? 'capped' : 'raised' };
}

/** The largest whole percent of `capacity` that stays within `amount` (floating point included). */
export function percentWithin(amount: number, capacity: number): number {
  if (!(capacity > 0) || !(amount > 0)) return 0;
  let p = Math.min(100, Math.floor((100 * amount) / capacity));
  while (p > 0 && (capacity * p) / 100 > amount) p--;
  return p;
}

export function levers(r: PoolResource, o: LeverOptions): Levers {
  const share = Math.min(1, Math.max(0, o.amplificationShare));
  const budget = share * r.headroom;
  const rawRatio = r.allocatable > 0 ? 1 + budget / r.allocatable : 1;
  let { ratio, why } = nextRatio(rawRatio, o.current, o.maxRatio, o.raiseStep);
  // Two-decimal rounding may land a hair over the budget (1.17 for 1.16999…): never lend more.
  while (ratio > 1 && (ratio - 1) * r.allocatable > budget) {
    ratio = Math.max(1, round2(ratio - 0.01));
    why = ratio < o.current ? 'lowered' : why;
  }
  const amplified = (ratio - 1) * r.allocatable;
  const reclaim = Math.max(0, r.headroom - amplified);
  const batchMay = Math.max(0, Math.min(reclaim, r.batchHeadroom - amplified));
  const midPercent = percentWithin(reclaim, r.capacity);
  const batchPercent = percentWithin(batchMay, r.capacity);
  const fallsBackAt = r.usable;
  return {
    amplificationBudget: budget,
    rawRatio,
    ratio,
    change: why,
    amplified,
    reclaim,
    midMay: reclaim,
    batchMay,
    midPercent,
    batchPercent,
    midCap: (r.capacity * midPercent) / 100,
    batchCap: (r.capacity * batchPercent) / 100,
    reclaimPercent: Math.max(0, Math.floor(100 * (o.threshold - o.margin) + 1e-9)),
    fallsBackAt,
    ...(ratio > 1 && share > 0
      ? { lowersAbove: Math.max(0, fallsBackAt - ((ratio - 1) * r.allocatable) / share) }
      : {}),
  };
}
