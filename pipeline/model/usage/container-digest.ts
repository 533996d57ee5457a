/**
 * Sufficient statistics for one container name of one workload, pooled over its pods: enough for
 * every profile (time- or load-weighted CPU percentiles, decayed mean, memory-peak percentiles,
 * daily peaks for trend and "last 24 h" floors) in a few KB, whatever the history length.
 */
import type { UsageWindow } from '../../collect/types.js';
import { DecayingHistogram, CPU_BUCKETS, MEMORY_BUCKETS } from './histogram.js';

export interface DigestOptions {
  /** Seconds. VPA and Crane use 24 h for CPU; 72 h halves weekly oscillation (bench/quality/NOTES.md). */
  cpuHalfLife: number;
  /** Seconds. Autopilot and Crane use 48 h for memory. */
  memoryHalfLife: number;
}

export const DEFAULT_DIGEST_OPTIONS: DigestOptions = { cpuHalfLife: 72 * 3600, memoryHalfLife: 172800 };

export interface ContainerDigestState {
  /** Raw CPU counter samples behind the digest. */
  samples: number;
  /** Intervals with data, summed over pods. */
  intervals: number;
  /** Unix seconds of the first and last interval with data. */
  firstSeen: number;
  lastSeen: number;
  /** Highest CPU rate (cores) and memory (bytes) seen. */
  peakCpu: number;
  peakMemory: number;
  /** 5-minute CPU means, each interval weighted the same (VPA-like). */
  cpuTime: DecayingHistogram;
  /** 5-minute CPU means weighted by their value: covers a share of the load, not of the time. */
  cpuLoad: DecayingHistogram;
  /** Highest 1-scrape CPU rate per interval. */
  cpuPeak: DecayingHistogram;
  /** 5-minute memory peaks. */
  memPeaks: DecayingHistogram;
  /** Decayed Σ w·cpuMean and Σ w. */
  cpuMeanSum: number;
  cpuMeanWeight: number;
  /** Per window day: highest memory peak and highest CPU mean (NaN = no data). */
  dailyMemPeak: Float32Array;
  dailyCpuPeak: Float32Array;
  windowStart: number;
}

export function createDigest(
  window: UsageWindow,
  options: DigestOptions = DEFAULT_DIGEST_OPTIONS,
): ContainerDigestState {
  const days = Math.ceil((window.end - window.start) / 86400);
  return {
    samples: 0,
    intervals: 0,
    firstSeen: Infinity,
    lastSeen: -Infinity,
    peakCpu: 0,
    peakMemory: 0,
    cpuTime: new DecayingHistogram(CPU_BUCKETS, options.cpuHalfLife, window.start),
    cpuLoad: new DecayingHistogram(CPU_BUCKETS, options.cpuHalfLife, window.start),
    cpuPeak: new DecayingHistogram(CPU_BUCKETS, options.cpuHalfLife, window.start),
    memPeaks: new DecayingHistogram(MEMORY_BUCKETS, options.memoryHalfLife, window.start),
    cpuMeanSum: 0,
    cpuMeanWeight: 0,
    dailyMemPeak: new Float32Array(days).fill(NaN),
    dailyCpuPeak: new Float32Array(days).fill(NaN),
    windowStart: window.start,
  };
}

/** Adds one interval of one container instance. `time` is the interval start. */
export function addInterval(
  d: ContainerDigestState,
  time: number,
  cpuMean: number,
  cpuMax: number,
  memMax: number,
): void {
  const hasCpu = cpuMean >= 0;
  const hasMem = memMax >= 0;
  if (!hasCpu && !hasMem) return;
  d.intervals++;
  if (time < d.firstSeen) d.firstSeen = time;
  if (time > d.lastSeen) d.lastSeen = time;
  const day = Math.floor((time - d.windowStart) / 86400);
  if (hasCpu) {
    d.cpuTime.add(cpuMean, 1, time);
    // A tiny floor keeps idle intervals from vanishing entirely from the load histogram.
    d.cpuLoad.add(cpuMean, Math.max(cpuMean, 1e-5), time);
    const w = d.cpuTime.decayFactor(time);
    d.cpuMeanSum += w * cpuMean;
    d.cpuMeanWeight += w;
    const peak = cpuMax >= 0 ? Math.max(cpuMax, cpuMean) : cpuMean;
    d.cpuPeak.add(peak, 1, time);
    if (peak > d.peakCpu) d.peakCpu = peak;
    if (day >= 0 && day < d.dailyCpuPeak.length && !(d.dailyCpuPeak[day]! >= cpuMean))
      d.dailyCpuPeak[day] = cpuMean;
  }
  if (hasMem) {
    d.memPeaks.add(memMax, 1, time);
    if (memMax > d.peakMemory) d.peakMemory = memMax;
    if (day >= 0 && day < d.dailyMemPeak.length && !(d.dailyMemPeak[day]! >= memMax))
      d.dailyMemPeak[day] = memMax;
  }
}
