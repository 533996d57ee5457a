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
