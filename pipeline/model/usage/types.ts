/**
 * Usage digests: what the model keeps of the metrics stream. A metrics batch is folded into
 * these and dropped, so memory grows with workloads, not with samples. The estimator
 * (analyze/rightsize) reads ContainerUsageDigest; autoscaling and capacity analyzers read the
 * workload demand series.
 */
import type { OomEvent, UsageWindow, RestartEvent } from '../../collect/types.js';
import type { WorkloadKey } from '../types.js';
import type { ContainerDigestState } from './container-digest.js';

/** Per (workload, container name): sufficient statistics pooled over the workload's pods. */
export interface ContainerUsageDigest extends ContainerDigestState {
  container: string;
}

/**
 * Workload-level demand on a coarse grid (default 15 minutes), for replica and cycle analysis:
 * cpu = Σ over pods of mean cores, memory = Σ over pods of peak bytes, pods = pods with data.
 */
export interface DemandSeries {
  start: number;
  step: number;
  cpu: Float32Array;
  cpuMax: Float32Array;
  memory: Float32Array;
  pods: Float32Array;
}

/**
 * One pod's recent load, summed over its containers: what scale-down scoring and the guardian ask
 * ("how busy is it right now"), which the 14-day digests cannot answer.
 */
export interface PodRecentUsage {
  /** Mean cores over the last hour of the window. */
  cpu1h: number;
  /** Mean cores over the last 5-minute interval with data. */
  cpu5m: number;
  /** Peak working-set bytes over the last hour. */
  memory1h: number;
  node?: string;
}

export interface WorkloadUsage {
  workload: WorkloadKey;
  window: UsageWindow;
  containers: Map<string, ContainerUsageDigest>;
  demand: DemandSeries;
  ooms: OomEvent[];
  restarts: RestartEvent[];
  /** Container instances (pod, container) that contributed. */
  instances: number;
}
