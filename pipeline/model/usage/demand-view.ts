/**
 * A workload's demand series as plain arrays of the slots that have data: what the autoscaling and
 * placement analyzers all read, so they agree on what a replica and a day of history are.
 */
import type { DemandSeries } from './types.js';

/** The slots that have data, as plain arrays (time of slot start, unix seconds). */
export interface DemandView {
  step: number;
  times: number[];
  /** Σ over pods of mean cores in the slot. */
  cpu: number[];
  /** Hottest pod's peak over the average pod's mean: the burst an HPA cannot react to in time. */
  burst: number[];
  pods: number[];
}

export function demandView(s: DemandSeries): DemandView {
  const v: DemandView = { step: s.step, times: [], cpu: [], burst: [], pods: [] };
  for (let i = 0; i < s.cpu.length; i++) {
    const pods = s.pods[i]!;
    if (!(pods >= 0.5)) continue;
    const cpu = s.cpu[i]!;
    v.times.push(s.start + i * s.step);
    v.cpu.push(cpu);
    v.pods.push(pods);
    const mean = cpu / pods;
    v.burst.push(mean > 1e-6 ? Math.max(1, s.cpuMax[i]! / mean) : 1);
  }
  return v;
}

export function historyDays(v: DemandView): number {
  return (v.times.length * v.step) / 86400;
}
