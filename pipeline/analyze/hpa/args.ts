/** HPA analyzer arguments: the type and its defaults (schema: schemas/tidemark/analyzers/hpa.schema.json). */
export interface HpaArgs {
  /** Days of demand history before an HPA is adopted (tuning an existing one needs `minTuneHistoryDays`). */
  minHistoryDays: number;
  minTuneHistoryDays: number;
  /**
   * Crane's fluctuation test: max over hours of the day of the median demand in that hour, over
   * the min of the same. Below it the load is flat and fixed replicas serve it as well.
   */
  minFluctuation: number;
  /** Peak workload CPU (cores) below which autoscaling is not worth its moving parts (Crane: 1 core). */
  minPeakCores: number;
  /** Target CPU utilization is clamped to this range (percent). */
  minTargetUtilization: number;
  maxTargetUtilization: number;
  /** A target moves at most this many points up per run (Tortoise: 5); down at once. */
  maxTargetIncrease: number;
  /** Changes smaller than this many points leave the target alone. */
  minTargetChange: number;
  /** minReplicas = max(floor, ceil(P(minPercentile) of replica demand)). */
  minReplicasFloor: number;
  minPercentile: number;
  /** Elastic ceiling: maxReplicas = ceil(highest demand seen × (1 + headroom)). */
  ceilingHeadroom: number;
  /** Hard cap on maxReplicas (Tortoise: 100). */
  maxReplicasCap: number;
  /** Scale-down stabilization (seconds) and pace (percent per minute): up fast, down slowly. */
  scaleDownStabilizationSeconds: number;
  scaleDownPercentPerMinute: number;
  /** Per-direction tolerance, rendered only where the cluster keeps the field (≥ 1.35, or proven). */
  scaleUpTolerance: number;
  scaleDownTolerance: number;
  /** Fixed-replica workloads: replicas sized so demand at this percentile runs at `fixedUtilization`. */
  fixedPercentile: number;
  fixedUtilization: number;
  allowStatefulSets: boolean;
  allowSingletons: boolean;
}

export const HPA_DEFAULTS: HpaArgs = {
  minHistoryDays: 7,
  minTuneHistoryDays: 3,
  minFluctuation: 1.5,
  minPeakCores: 0.5,
  minTargetUtilization: 50,
  maxTargetUtilization: 80,
  maxTargetIncrease: 5,
  minTargetChange: 5,
  minReplicasFloor: 2,
  minPercentile: 0.05,
  ceilingHeadroom: 0.5,
  maxReplicasCap: 100,
  scaleDownStabilizationSeconds: 600,
  scaleDownPercentPerMinute: 10,
  scaleUpTolerance: 0.05,
  scaleDownTolerance: 0.1,
  fixedPercentile: 0.95,
  fixedUtilization: 0.7,
  allowStatefulSets: false,
  allowSingletons: false,
};
