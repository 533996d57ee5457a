/**
 * Sufficient statistics for one container name of one workload, pooled over its pods: enough for
 * every profile (time- or load-weighted CPU percentiles, decayed mean, memory-peak percentiles,
 * daily peaks for trend and "last 24 h" floors) in a few KB, whatever the history length.
 */
import type { UsageWindow } from '../../collect/types.js';
import { DecayingHistogram, CPU_BUCKETS, MEMORY_BUCKETS } from './histogram.js';

export interface DigestOptions {
  /**
   * Seconds. VPA and Crane use 24 h for CPU; 72 h halved weekly oscillation on the generated sets;
   * on the real set 7 days and 72 h now measure the same (bench/quality/NOTES.md).
   */
  cpuHalfLife: number;
  /** Seconds. Autopilot and Crane use 48 h for memory. */
  memoryHalfLife: number;
}

export const DEFAULT_DIGEST_OPTIONS: DigestOptions = { cpuHalfLife: 168 * 3600, memoryHalfLife: 172800 };

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
  /**
   * Per window day: start of the first interval that reached that day's memory peak (unix
   * seconds, NaN = no data), so a memory proposal can say which peak it covers and when.
   */
  dailyMemPeakAt: Float64Array;
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
    // Capped at the highest value: what the estimator sizes on and the evidence shows never
    // exceeds what was seen.
    cpuTime: new DecayingHistogram(CPU_BUCKETS, options.cpuHalfLife, window.start, true),
    cpuLoad: new DecayingHistogram(CPU_BUCKETS, options.cpuHalfLife, window.start, true),
    cpuPeak: new DecayingHistogram(CPU_BUCKETS, options.cpuHalfLife, window.start, true),
    memPeaks: new DecayingHistogram(MEMORY_BUCKETS, options.memoryHalfLife, window.start, true),
    cpuMeanSum: 0,
    cpuMeanWeight: 0,
    dailyMemPeak: new Float32Array(days).fill(NaN),
    dailyCpuPeak: new Float32Array(days).fill(NaN),
    dailyMemPeakAt: new Float64Array(days).fill(NaN),
    windowStart: window.start,
  };
}

/**
 * Adds `count` consecutive intervals (`step` apart, inside one day) that hold the same values, as
 * a coarse point spread over its intervals does: one histogram update carrying the run's summed
 * decay instead of one per interval (a coarse tier's 1-hour points are 12 intervals each).
 */
export function addRun(
  d: ContainerDigestState,
  time: number,
  count: number,
  step: number,
  cpuMean: number,
  cpuMax: number,
  memMax: number,
): void {
  const hasCpu = cpuMean >= 0;
  const hasMem = memMax >= 0;
  if (!hasCpu && !hasMem) return;
  const last = time + (count - 1) * step;
  d.intervals += count;
  if (time < d.firstSeen) d.firstSeen = time;
  if (last > d.lastSeen) d.lastSeen = last;
  const day = Math.floor((time - d.windowStart) / 86400);
  if (hasCpu) {
    const w = count === 1 ? d.cpuTime.decayFactor(time) : d.cpuTime.decaySum(time, count, step);
    d.cpuTime.addDecayed(cpuMean, w);
    // A tiny floor keeps idle intervals from vanishing entirely from the load histogram.
    d.cpuLoad.addDecayed(cpuMean, Math.max(cpuMean, 1e-5) * w);
    d.cpuMeanSum += w * cpuMean;
    d.cpuMeanWeight += w;
    const peak = cpuMax >= 0 ? Math.max(cpuMax, cpuMean) : cpuMean;
    d.cpuPeak.addDecayed(peak, w);
    if (peak > d.peakCpu) d.peakCpu = peak;
    if (day >= 0 && day < d.dailyCpuPeak.length && !(d.dailyCpuPeak[day]! >= cpuMean))
      d.dailyCpuPeak[day] = cpuMean;
  }
  if (hasMem) {
    d.memPeaks.addDecayed(
      memMax,
      count === 1 ? d.memPeaks.decayFactor(time) : d.memPeaks.decaySum(time, count, step),
    );
    if (memMax > d.peakMemory) d.peakMemory = memMax;
    if (day >= 0 && day < d.dailyMemPeak.length && !(d.dailyMemPeak[day]! >= memMax)) {
      d.dailyMemPeak[day] = memMax;
      d.dailyMemPeakAt[day] = time;
    }
  }
}
