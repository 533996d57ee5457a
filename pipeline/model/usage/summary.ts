/**
 * What plan.json and the PR body show of a container's usage. Each resource's figures are of one
 * series — CPU of the 5-minute means, memory of the 5-minute peaks — so its `max` is the highest
 * value of the same series its percentiles come from, and p50 ≤ p90 ≤ p95 ≤ p99 ≤ max holds.
 * (The highest scrape-resolution CPU rate is another series, `peakCpu`, and is not mixed in.)
 */
import type { ContainerDigestState } from './container-digest.js';
import type { DecayingHistogram } from './histogram.js';

export interface UsageSummary {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface ContainerUsageSummary {
  /** Millicores: percentiles and highest of the 5-minute CPU means (decay-weighted). */
  cpu: UsageSummary;
  /** Bytes: percentiles and highest of the 5-minute working-set peaks (decay-weighted). */
  memory: UsageSummary;
}

function summaryOf(h: DecayingHistogram, scale: number): UsageSummary {
  return {
    p50: h.percentile(0.5) * scale,
    p90: h.percentile(0.9) * scale,
    p95: h.percentile(0.95) * scale,
    p99: h.percentile(0.99) * scale,
    max: h.max() * scale,
  };
}

export function usageSummary(d: Pick<ContainerDigestState, 'cpuTime' | 'memPeaks'>): ContainerUsageSummary {
  return { cpu: summaryOf(d.cpuTime, 1000), memory: summaryOf(d.memPeaks, 1) };
}
