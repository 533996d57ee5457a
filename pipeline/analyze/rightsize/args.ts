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
  /** An OOM keeps memory at or above its bumped level for this many days. */
  oomFloorDays: number;
  /**
   * Memory is never sized below the highest 5-minute peak of this many days (deferred downscaling):
   * a spike every few days keeps its headroom instead of being cut and raised again.
   */
  peakHoldDays: number;
  /** A growing memory series gets headroom for this many days of growth. */
  growthHorizonDays: number;
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
  growthHorizonDays: 7,
  limits: 'keep-ratio',
};
