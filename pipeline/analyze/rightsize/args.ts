/** Right-sizing arguments: the type, its defaults (schema: schemas/tidemark/analyzers/rightsize.schema.json). */
export type Profile = 'balanced' | 'latency' | 'batch';

export interface RightsizeArgs {
  profile: Profile;
  /** Safety margin over the chosen statistic (VPA: 0.15). */
  margin: number;
  /**
   * Per-pod floors, split evenly across the pod's containers. VPA uses 25m and 250Mi; 250Mi would
   * double small agents and sidecars (node-exporter works in 40Mi), so our memory floor is 64Mi.
   */
  podMinCpuMillis: number;
  podMinMemoryBytes: number;
  /** Round up to multiples of these (5m, 1Mi). */
  cpuStepMillis: number;
  memoryStepBytes: number;
  /** After an OOM kill: at least max(used + minBump, used × ratio) (VPA: 100Mi, 1.2). */
  oomBumpRatio: number;
  oomMinBumpBytes: number;
  /**
   * An OOM keeps memory at or above its bumped level until the container has run this many days
   * without a kill; the floor then fades over as many days again.
   */
  oomFloorDays: number;
  /**
   * Memory is sized on the highest 5-minute peak of this many days (deferred downscaling): a spike
   * every few days keeps its headroom instead of being cut and raised again.
   */
  peakHoldDays: number;
  /** Peaks older than `peakHoldDays` (within the window) count at this fraction (a decaying max). */
  olderPeakWeight: number;
  /** Memory headroom: this fraction of the peak ... */
  memoryHeadroomFraction: number;
  /** ... plus min(peak, this × √(peak in GiB)) GiB: relatively more for small containers. */
  memoryHeadroomSqrtGiB: number;
  /**
   * With less history than this (days, at most the window), memory headroom grows, up to double
   * with none: a young workload has not shown its weekly peaks yet.
   */
  warmupDays: number;
  /**
   * A request below its target is raised only when it keeps less than this share of the target's
   * headroom over the peak (memory) or the statistic (CPU); above it, a raise is not worth a change.
   */
  keepShare: number;
  /** A memory request at most this fraction above its target stays: a small cut is not worth the next peak. */
  memoryKeepAbove: number;
  /** A growing memory series gets headroom for this many days of growth ... */
  growthHorizonDays: number;
  /** ... counted at most this fraction over the last peak (a one-off step reads as steep growth). */
  growthCapFraction: number;
  /** 'keep-ratio' scales an existing CPU limit with the request; 'none' leaves limits as they are. */
  limits: 'keep-ratio' | 'unchanged';
}

export const RIGHTSIZE_DEFAULTS: RightsizeArgs = {
  profile: 'balanced',
  margin: 0.15,
  podMinCpuMillis: 25,
  podMinMemoryBytes: 64 * 2 ** 20,
  cpuStepMillis: 5,
  memoryStepBytes: 2 ** 20,
  oomBumpRatio: 1.2,
  oomMinBumpBytes: 100 * 2 ** 20,
  oomFloorDays: 7,
  peakHoldDays: 7,
  olderPeakWeight: 0.8,
  memoryHeadroomFraction: 0.1,
  memoryHeadroomSqrtGiB: 1,
  warmupDays: 14,
  keepShare: 0.1,
  memoryKeepAbove: 0.3,
  growthHorizonDays: 3,
  growthCapFraction: 0.1,
  limits: 'keep-ratio',
};
