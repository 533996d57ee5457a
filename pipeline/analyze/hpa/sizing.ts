/**
 * The numbers behind an HPA, as pure functions of a workload's demand series, so each can be
 * checked by hand: replica demand, fluctuation, target utilization, floor and elastic ceiling.
 * The cronhpa analyzer reuses them, so a schedule and the HPA it drives agree on what a replica is.
 */
import { ceilSafe, percentile } from '../../core/stats.js';
import type { DemandView } from '../../model/usage/demand-view.js';

/**
 * Crane's fluctuation: the median demand of each hour of the day (UTC), highest over lowest. A
 * lowest of 0 counts as 1 millicore, so an idle night still reads as strongly fluctuating.
 */
export function fluctuation(v: DemandView): number {
  const byHour: number[][] = Array.from({ length: 24 }, () => []);
  // Unix time has no leap seconds, so the UTC hour is plain arithmetic (no Date per point).
  for (let i = 0; i < v.times.length; i++)
    byHour[((Math.floor(v.times[i]! / 3600) % 24) + 24) % 24]!.push(v.cpu[i]!);
  const medians = byHour.filter((h) => h.length > 0).map((h) => percentile(h, 0.5));
  if (medians.length < 2) return 1;
  const max = Math.max(...medians);
  const min = Math.max(Math.min(...medians), 0.001);
  return max / min;
}

/**
 * Target utilization (percent): pods average at the target so that the P95 burst of the hottest
 * pod still fits in its request before the HPA reacts — 100 / P95(burst), clamped by policy.
 */
export function targetUtilization(
  v: DemandView,
  min: number,
  max: number,
): { target: number; burstP95: number } {
  const burstP95 = Math.max(1, percentile(v.burst, 0.95));
  const target = Math.round(100 / burstP95);
  return { target: Math.min(max, Math.max(min, target)), burstP95 };
}

/** Replicas needed per slot when each pod runs at `target` % of `podRequestCores`. */
export function replicaDemand(v: DemandView, podRequestCores: number, target: number): number[] {
  const perPod = podRequestCores * (target / 100);
  return v.cpu.map((c) => c / perPod);
}

export interface ReplicaRange {
  min: number;
  max: number;
  /** The highest replica demand seen in the window. */
  peakDemand: number;
  /** True when the elastic ceiling was cut by the policy cap. */
  capped: boolean;
}

/**
 * Floor from a low percentile of demand; ceiling with headroom over the highest demand seen, so
 * an unexpected surge is not capped. Never below what runs now: the cluster is the truth.
 */
export function replicaRange(
  demand: number[],
  o: { floor: number; minPercentile: number; headroom: number; cap: number; live: number },
): ReplicaRange {
  const peakDemand = demand.length ? Math.max(...demand) : 0;
  const min = Math.max(o.floor, ceilSafe(percentile(demand, o.minPercentile)));
  const wanted = Math.max(min + 1, ceilSafe(peakDemand * (1 + o.headroom)), o.live);
  const max = Math.min(o.cap, wanted);
  return { min: Math.min(min, max), max, peakDemand, capped: wanted > o.cap };
}
