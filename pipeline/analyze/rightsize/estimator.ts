/**
 * The estimator: from a container's usage digest to request targets, per profile
 * (recommenders.md §7). Pure arithmetic on the digest; every adjustment it makes is named in
 * `drivers` so the PR can say why.
 */
import type { ContainerUsageDigest } from '../../model/usage/types.js';
import type { OomEvent } from '../../collect/types.js';
import type { Confidence } from '../types.js';
import type { RightsizeArgs } from './args.js';
import { estimateMemory, type MemoryBasis } from './memory.js';
import { usageSummary, type UsageSummary } from '../../model/usage/summary.js';

export { growthPerDay } from './memory.js';

export type Driver = 'statistic' | 'pod-floor' | 'peak' | 'growth' | 'oom-floor';

export interface ResourceEstimate {
  /** Base units: millicores or bytes, rounded up to the step. */
  target: number;
  /** The statistic before the margin. */
  base: number;
  statistic: string;
  percentile?: number;
  lower: number;
  upper: number;
  /** What set the final value (the largest constraint wins). */
  driver: Driver;
  detail: string;
}

/**
 * A container whose time-weighted P90 of 5-minute CPU means is at or above its CPU request: it
 * ran over its request in at least a tenth of the window (decay-weighted), so a large raise is
 * demand, not a bad sample. Policy's max-increase reads it (its ×4 step does not apply).
 */
export interface CpuSaturation {
  /** The quantile read (0.9) and its value in millicores. */
  quantile: number;
  usage: number;
  /** The request in force, millicores. */
  request: number;
}

/** Of the time-weighted 5-minute CPU means, the quantile that marks a saturated container. */
export const SATURATION_QUANTILE = 0.9;

export interface ContainerEstimate {
  cpu: ResourceEstimate;
  cpuSaturation?: CpuSaturation;
  memory: ResourceEstimate;
  /** The peak the memory target covers, its headroom and why, and any OOM floor. */
  memoryBasis: MemoryBasis;
  confidence: Confidence;
  usage: { cpu: UsageSummary; memory: UsageSummary };
  growthPerDay?: number;
}

export interface EstimateInput {
  digest: ContainerUsageDigest;
  ooms: OomEvent[];
  /** Main containers in the pod (floors are split across them). */
  containersInPod: number;
  /** Interval length of the usage (seconds). */
  step: number;
  now: number;
  args: RightsizeArgs;
  /** The requests in force (millicores, bytes): a raise overshoots them. */
  current?: { cpu?: number; memory?: number };
  /** The memory limit in force at time t (from our change history), for OOM events. */
  limitAt?: (t: number, reported: number | undefined) => number | undefined;
}

export function confidenceOf(d: ContainerUsageDigest, step: number): Confidence {
  // VPA: min(span in days, samples / one day of samples), pooled over pods.
  const span = d.lastSeen >= d.firstSeen ? (d.lastSeen - d.firstSeen + step) / 86400 : 0;
  const covered = (d.intervals * step) / 86400;
  const days = Math.max(0, Math.min(span, covered));
  return { days, level: days >= 7 ? 'high' : days >= 1 ? 'medium' : 'low' };
}

export function estimateContainer(input: EstimateInput): ContainerEstimate {
  const { digest: d, args } = input;
  const confidence = confidenceOf(d, input.step);
  const c = Math.max(confidence.days, 1e-3);
  // VPA's confidence multipliers: wide upper band with little history, lower band tightens fast.
  const upperMult = 1 + 1 / c;
  const lowerMult = Math.pow(1 + 0.001 / c, -2);
  const m = 1 + args.margin;

  // CPU (millicores)
  let cpuBase: number;
  let cpuStat: string;
  let cpuP: number | undefined;
  switch (args.profile) {
    case 'latency':
      cpuBase = d.cpuLoad.percentile(0.95) * 1000;
      cpuStat = 'load-weighted P95 of 5-minute CPU';
      cpuP = 95;
      break;
    case 'batch':
      cpuBase = (d.cpuMeanWeight > 0 ? d.cpuMeanSum / d.cpuMeanWeight : 0) * 1000;
      cpuStat = 'decayed mean CPU';
      break;
    default:
      cpuBase = d.cpuTime.percentile(0.9) * 1000;
      cpuStat = 'P90 of 5-minute CPU';
      cpuP = 90;
  }
  const cpuMargin = args.profile === 'batch' ? 1.1 : m;
  const cpuFloor = args.podMinCpuMillis / Math.max(1, input.containersInPod);
  let cpu = cpuBase * cpuMargin;
  let cpuDriver: Driver = 'statistic';
  if (cpu < cpuFloor) {
    cpu = cpuFloor;
    cpuDriver = 'pod-floor';
  }
  // A request that still keeps `keepShare` of the headroom over the statistic stays: raising it
  // to the target is not worth a change (bench/quality/NOTES.md: churn on the real set).
  const currentCpu = input.current?.cpu;
  const keep =
    cpuDriver === 'statistic' &&
    currentCpu !== undefined &&
    cpu > currentCpu &&
    currentCpu >= cpuBase + args.keepShare * (cpu - cpuBase);
  if (keep) cpu = currentCpu;
  const cpuEstimate: ResourceEstimate = {
    target: keep ? cpu : roundUp(cpu, args.cpuStepMillis),
    base: cpuBase,
    statistic: cpuStat,
    percentile: cpuP,
    lower: roundUp(Math.max(cpuFloor, d.cpuTime.percentile(0.5) * 1000 * m * lowerMult), args.cpuStepMillis),
    upper: roundUp(Math.max(cpuFloor, d.cpuTime.percentile(0.95) * 1000 * m * upperMult), args.cpuStepMillis),
    driver: cpuDriver,
    detail: '',
  };
  const saturation = cpuSaturationOf(d, currentCpu);
  cpuEstimate.detail = `${cpuStat} is ${fmtM(cpuBase)}${cpuDriver === 'pod-floor' ? `; the per-pod floor (${fmtM(cpuFloor)}) applies` : ''}${keep ? `; the current ${fmtM(currentCpu)} still leaves ${Math.round(((currentCpu - cpuBase) / Math.max(1e-9, cpuBase)) * 100)}% over it, so it stays` : ''}${saturation ? `; saturated: ${saturationText(saturation)}` : ''}`;

  // Memory (bytes): from peaks, with headroom, growth and OOM floors (memory.ts).
  const mem = estimateMemory({
    digest: d,
    ooms: input.ooms,
    containersInPod: input.containersInPod,
    now: input.now,
    args,
    days: confidence.days,
    current: input.current?.memory,
    limitAt: input.limitAt,
  });
  const memFloor = args.podMinMemoryBytes / Math.max(1, input.containersInPod);
  const memEstimate: ResourceEstimate = {
    target: mem.target,
    base: mem.base,
    statistic: mem.statistic,
    percentile: mem.percentile,
    lower: roundUp(Math.max(memFloor, d.memPeaks.percentile(0.5) * m * lowerMult), args.memoryStepBytes),
    upper: roundUp(
      Math.max(memFloor, d.memPeaks.percentile(0.95) * m * upperMult, mem.target),
      args.memoryStepBytes,
    ),
    driver: mem.driver,
    detail: mem.detail,
  };
  return {
    cpu: cpuEstimate,
    ...(saturation ? { cpuSaturation: saturation } : {}),
    memory: memEstimate,
    memoryBasis: mem.basis,
    confidence,
    usage: usageSummary(d),
    growthPerDay: mem.growthPerDay,
  };
}

/** Saturated when the P90 of the 5-minute CPU means (time-weighted) reaches the request in force. */
export function cpuSaturationOf(
  d: Pick<ContainerUsageDigest, 'cpuTime'>,
  request: number | undefined,
): CpuSaturation | undefined {
  if (request === undefined || request <= 0) return undefined;
  // To 0.1 m, as plan.json gives CPU usage (0.2 core is 200.000003m in Float32).
  const usage = Math.round(d.cpuTime.percentile(SATURATION_QUANTILE) * 10_000) / 10;
  return usage >= request ? { quantile: SATURATION_QUANTILE, usage, request } : undefined;
}

/** "P90 of its 5-minute CPU is 1.20 cores, at or above its 300m request" (the PR and policy say it). */
export function saturationText(s: CpuSaturation): string {
  return `P${Math.round(s.quantile * 100)} of its 5-minute CPU is ${fmtM(s.usage)}, at or above its ${fmtM(s.request)} request`;
}

function roundUp(v: number, step: number): number {
  // Usage is held in Float32 (7 digits): 0.2 core is 200.000003m, which must not round up a step.
  return Math.ceil((v / step) * (1 - 1e-6)) * step;
}

function fmtM(m: number): string {
  return m >= 1000 ? `${(m / 1000).toFixed(2)} cores` : `${Math.round(m)}m`;
}
