/**
 * The estimator: from a container's usage digest to request targets, per profile
 * (recommenders.md §7). Pure arithmetic on the digest; every adjustment it makes is named in
 * `drivers` so the PR can say why.
 */
import type { ContainerUsageDigest } from '../../model/usage/types.js';
import type { OomEvent } from '../../collect/types.js';
import type { Confidence } from '../types.js';
import type { RightsizeArgs } from './args.js';
import { usageSummary, type UsageSummary } from '../../model/usage/summary.js';

export type Driver = 'statistic' | 'pod-floor' | 'last-24h-peak' | 'growth' | 'oom-floor';

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

export interface ContainerEstimate {
  cpu: ResourceEstimate;
  memory: ResourceEstimate;
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
}

const MiB = 2 ** 20;

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
  const cpuEstimate: ResourceEstimate = {
    target: roundUp(cpu, args.cpuStepMillis),
    base: cpuBase,
    statistic: cpuStat,
    percentile: cpuP,
    lower: roundUp(Math.max(cpuFloor, d.cpuTime.percentile(0.5) * 1000 * m * lowerMult), args.cpuStepMillis),
    upper: roundUp(Math.max(cpuFloor, d.cpuTime.percentile(0.95) * 1000 * m * upperMult), args.cpuStepMillis),
    driver: cpuDriver,
    detail: '',
  };
  cpuEstimate.detail = `${cpuStat} is ${fmtM(cpuBase)}${cpuDriver === 'pod-floor' ? `; the per-pod floor (${fmtM(cpuFloor)}) applies` : ''}`;

  // Memory (bytes)
  let memBase: number;
  let memStat: string;
  let memP: number | undefined;
  switch (args.profile) {
    case 'latency':
      memBase = d.memPeaks.max();
      memStat = 'highest 5-minute memory peak';
      break;
    case 'batch':
      memBase = d.memPeaks.percentile(0.9);
      memStat = 'P90 of 5-minute memory peaks';
      memP = 90;
      break;
    default:
      memBase = d.memPeaks.percentile(0.98);
      memStat = 'P98 of 5-minute memory peaks';
      memP = 98;
  }
  const memFloor = args.podMinMemoryBytes / Math.max(1, input.containersInPod);
  const candidates: { value: number; driver: Driver; detail: string }[] = [
    { value: memBase * m, driver: 'statistic', detail: `${memStat} is ${fmtB(memBase)}` },
    { value: memFloor, driver: 'pod-floor', detail: `the per-pod floor is ${fmtB(memFloor)}` },
  ];
  const held = lastDaysPeak(d.dailyMemPeak, d.windowStart, input.now, Math.max(1, args.peakHoldDays));
  if (args.profile !== 'batch' && held > 0 && args.peakHoldDays > 0) {
    const span = args.peakHoldDays <= 1 ? 'the last 24 h' : `the last ${args.peakHoldDays} days`;
    candidates.push({
      value: held,
      driver: 'last-24h-peak',
      detail: `memory reached ${fmtB(held)} in ${span}`,
    });
  }
  const growth = growthPerDay(d.dailyMemPeak, d.windowStart, input.now);
  if (growth !== undefined && growth > 0) {
    const lastPeak = lastDaysPeak(d.dailyMemPeak, d.windowStart, input.now, 2);
    const projected = lastPeak + growth * args.growthHorizonDays;
    candidates.push({
      value: projected * (1 + args.margin / 2),
      driver: 'growth',
      detail: `memory grows ${fmtB(growth)}/day; ${args.growthHorizonDays} days ahead it reaches ${fmtB(projected)}`,
    });
  }
  const recentOoms = input.ooms.filter((o) => o.time >= input.now - args.oomFloorDays * 86400);
  if (recentOoms.length) {
    // The memory in use at the kill is the limit in force then (VPA), or failing that the highest
    // peak we saw — never today's request: after we raise memory the OOM is still in the window,
    // and bumping today's value again would compound on every run.
    const used = Math.max(d.peakMemory, ...recentOoms.map((o) => o.limitBytes ?? 0));
    const bumped = Math.max(used + args.oomMinBumpBytes, used * args.oomBumpRatio);
    candidates.push({
      value: bumped,
      driver: 'oom-floor',
      detail: `OOM-killed ${recentOoms.length}× in the last ${args.oomFloorDays} days at ${fmtB(used)}`,
    });
  }
  const best = candidates.reduce((a, b) => (b.value > a.value ? b : a));
  const memEstimate: ResourceEstimate = {
    target: roundUp(best.value, args.memoryStepBytes),
    base: memBase,
    statistic: memStat,
    percentile: memP,
    lower: roundUp(Math.max(memFloor, d.memPeaks.percentile(0.5) * m * lowerMult), args.memoryStepBytes),
    upper: roundUp(
      Math.max(memFloor, d.memPeaks.percentile(0.95) * m * upperMult, best.value),
      args.memoryStepBytes,
    ),
    driver: best.driver,
    detail: best.driver === 'statistic' ? best.detail : `${candidates[0]!.detail}; ${best.detail}`,
  };
  return {
    cpu: cpuEstimate,
    memory: memEstimate,
    confidence,
    usage: usageSummary(d),
    growthPerDay: growth,
  };
}

/** Highest daily peak over the last `days` days before `now`. */
function lastDaysPeak(daily: Float32Array, start: number, now: number, days: number): number {
  const lastDay = Math.min(daily.length - 1, Math.floor((now - 1 - start) / 86400));
  let best = 0;
  for (let i = Math.max(0, lastDay - days + 1); i <= lastDay; i++) if (daily[i]! > best) best = daily[i]!;
  return best;
}

/**
 * Bytes per day a memory series grows by: least-squares slope of daily peaks over the last
 * 7 days with data, reported only when the fit is good (R² ≥ 0.6) and growth is material
 * (≥ 1 % of the level per day). Keeps a leak from being sized on yesterday's value.
 */
export function growthPerDay(daily: Float32Array, start: number, now: number): number | undefined {
  const lastDay = Math.min(daily.length - 1, Math.floor((now - 1 - start) / 86400));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = Math.max(0, lastDay - 6); i <= lastDay; i++) {
    const v = daily[i]!;
    if (v >= 0) {
      xs.push(i);
      ys.push(v);
    }
  }
  if (xs.length < 4) return undefined;
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return undefined;
  const slope = sxy / sxx;
  const r2 = (sxy * sxy) / (sxx * syy);
  if (r2 < 0.6 || slope < 0.01 * my) return undefined;
  return slope;
}

function roundUp(v: number, step: number): number {
  // Usage is held in Float32 (7 digits): 0.2 core is 200.000003m, which must not round up a step.
  return Math.ceil((v / step) * (1 - 1e-6)) * step;
}

function fmtM(m: number): string {
  return m >= 1000 ? `${(m / 1000).toFixed(2)} cores` : `${Math.round(m)}m`;
}

function fmtB(b: number): string {
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)}Gi` : `${Math.round(b / MiB)}Mi`;
}
