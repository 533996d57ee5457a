/** Overcommit analyzer arguments (schema: schemas/tidemark/analyzers/overcommit.schema.json). */
export interface ResourceOvercommitArgs {
  /** Koordinator's reclaim threshold: the share of capacity the node may be used up to. */
  threshold: number;
  /** Policy ceiling for the amplification ratio. */
  maxRatio: number;
  /**
   * What the higher tiers hold: their high-percentile `usage`, or `maxUsageRequest` (the larger of
   * usage and requests, pod by pod) — memory cannot be taken back, so it defaults to the latter.
   */
  policy: 'usage' | 'maxUsageRequest';
}

export interface OvercommitArgs {
  /** Node label whose value names the pool (per-cluster `settings.overcommit.poolLabel` wins). */
  poolLabel: string;
  /** Percentile of the higher tiers' usage (per container, summed: conservative). */
  percentile: number;
  cpu: ResourceOvercommitArgs;
  memory: ResourceOvercommitArgs;
  /** Safety margin kept free, as a share of capacity. */
  margin: number;
  /** A ratio rises at most this much per run, and falls at once. */
  raiseStep: number;
  /** Pod compression: the percentile across a tier's workloads of (usage / limit). */
  compressionPercentile: number;
  /** Set by a per-namespace policy: add the ClusterResourceOverride opt-in label there. */
  croOptIn: boolean;
}

export const OVERCOMMIT_DEFAULTS: OvercommitArgs = {
  poolLabel: 'node-pool',
  percentile: 0.95,
  cpu: { threshold: 0.65, maxRatio: 2.0, policy: 'usage' },
  memory: { threshold: 0.7, maxRatio: 1.2, policy: 'maxUsageRequest' },
  margin: 0.1,
  raiseStep: 0.1,
  compressionPercentile: 0.9,
  croOptIn: false,
};

/** Per-cluster settings (`clusters[].settings.overcommit`). */
export interface OvercommitSettings {
  form?: 'koordinator' | 'openshift';
  poolLabel?: string;
}
