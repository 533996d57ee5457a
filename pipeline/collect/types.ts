/**
 * Source contracts. A Kubernetes source yields raw objects (live API, or an exported snapshot);
 * a metrics source yields the estimator input below. Analyzers never see a source: they see the
 * model built from what sources yield, so a new source plugs in without touching them.
 */
import type { Logger } from '../core/logger.js';
import type { NodeUsageRequest, NodeUsageResult } from './node-usage/types.js';

/** A Kubernetes object as the API returns it (after field trimming by the source). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: {
      apiVersion: string;
      kind: string;
      name: string;
      uid?: string;
      controller?: boolean;
    }[];
    creationTimestamp?: string;
    generation?: number;
    resourceVersion?: string;
    [key: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

/** Where an object came from, for error messages ("cluster/pods.yaml: Pod shop/web-1: …"). */
export interface ObjectOrigin {
  file?: string;
  source: string;
}

export interface ClusterFacts {
  /** Server version, e.g. "v1.34.4" (from /version or the snapshot manifest). */
  version?: string;
  /** Whether the v1beta1.metrics.k8s.io APIService is Available (HPA resource metrics work). */
  metricsApiAvailable?: boolean;
  /** API groups/kinds found by discovery (CRDs installed), e.g. "keda.sh/ScaledObject". */
  installedKinds?: string[];
}

export interface KubernetesInventory {
  objects: KubeObject[];
  origins?: WeakMap<KubeObject, ObjectOrigin>;
  facts: ClusterFacts;
  /** Requests and bytes per kind, for the run summary. */
  stats?: Record<string, { requests: number; bytes: number; objects: number }>;
}

export interface KubernetesSource {
  readonly description: string;
  read(ctx: SourceContext): Promise<KubernetesInventory>;
}

export interface SourceContext {
  logger: Logger;
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------------
// The estimator input: every metrics source must produce exactly this.
// ---------------------------------------------------------------------------------------------

export interface UsageWindow {
  /** Unix seconds, inclusive; aligned to `step`. */
  start: number;
  /** Unix seconds, exclusive; aligned to `step`. */
  end: number;
  /** Interval length in seconds (default 300). */
  step: number;
}

/** One container instance (a pod's container) over the window. */
export interface ContainerRef {
  namespace: string;
  pod: string;
  container: string;
}

/**
 * Per container instance and per interval i (covering [start + i*step, start + (i+1)*step)):
 *  - cpuMean[i]: mean CPU use in cores over the interval (counter increase / covered seconds),
 *  - cpuMax[i]:  highest CPU rate in cores between two consecutive scrapes inside the interval,
 *  - memMax[i]:  highest working-set bytes sampled in the interval.
 * NaN marks an interval with no data (a gap, or the pod did not exist). Counter resets are
 * handled by the source (a drop is a restart from zero, never a negative rate).
 */
export interface UsageSeries extends ContainerRef {
  /** Interval index of values[0] within the window (series may start late / end early). */
  offset: number;
  cpuMean: Float32Array;
  cpuMax: Float32Array;
  memMax: Float32Array;
  /** Raw scrape samples behind these intervals (CPU counter samples). */
  samples: number;
  /** Node the pod ran on, when the source knows it. */
  node?: string;
}

export interface OomEvent extends ContainerRef {
  /** Unix seconds when the OOM kill was observed. */
  time: number;
  /** The container's memory limit at the time, when known. */
  limitBytes?: number;
  source: 'metrics' | 'snapshot';
}

export interface RestartEvent extends ContainerRef {
  time: number;
  count: number;
}

/** The most a container's samples can be: its node's capacity (collect/sample-check.ts). */
export interface SampleCeiling {
  cpuCores: number;
  memoryBytes: number;
  /** The node it is, for messages. */
  node?: string;
}

export interface RequestedContainer extends ContainerRef {
  /** The capacity of the node the pod runs on, when known. */
  ceiling?: SampleCeiling;
}

export interface UsageRequest {
  window: UsageWindow;
  /** The containers to read (from the live inventory). Sources may return fewer (no data). */
  containers: RequestedContainer[];
  /** For containers without their own: the largest node's capacity. None: no node is known. */
  ceiling?: SampleCeiling;
  /**
   * Unix seconds, aligned to the step: only intervals from here on are needed (the ones before
   * are in the usage history's checkpoint). Series keep window-relative offsets; a source may
   * still return earlier intervals (a file is read whole), and the fold ignores them.
   */
  from?: number;
}

export interface UsageBatch {
  series: UsageSeries[];
  ooms: OomEvent[];
  restarts?: RestartEvent[];
  /**
   * Usage series (one per metric and container) with samples in the window for containers the
   * request did not name, for the caller to match to workloads or count as matching none.
   * Absent: the source cannot see them (Prometheus is asked for the requested pods only).
   */
  unrequested?: ContainerRef[];
}

export interface MetricsStats {
  queries: number;
  series: number;
  samples: number;
  bytes: number;
  retries?: number;
  splits?: number;
  /** Query batches planned (Prometheus). */
  batches?: number;
  /** Samples the server says it read (Prometheus' stats=all), when it reports them. */
  serverSamples?: number;
  /** Usage samples dropped as negative, not finite, or above the container's node. */
  invalidSamples?: InvalidSamples;
  /**
   * Usage series in the window (one per metric and container) whose pod belongs to no workload,
   * counted by the plan from `UsageBatch.unrequested`; absent when the source cannot see them.
   */
  unmatchedSeries?: number;
  /** How usage series were read from Prometheus, when the config asks for remote read. */
  read?: UsageReadStats;
}

export interface UsageReadStats {
  /** What was used: PromQL range queries, or remote read of the stored chunks. */
  mode: 'promql' | 'remote-read';
  /** Remote read was asked for but the server refused it (the reason); PromQL was used. */
  fallback?: string;
  /** Remote read requests, frames, raw samples decoded and staleness markers met. */
  requests?: number;
  frames?: number;
  rawSamples?: number;
  staleMarkers?: number;
}

export interface InvalidSamples {
  total: number;
  negative: number;
  nonFinite: number;
  aboveNode: number;
  /** The first one seen: where it is (file and line, or series and time) and its value. */
  example?: string;
}

/**
 * Streams usage in batches so memory follows the model (digests), not the raw data: a consumer
 * folds each batch into per-workload digests and drops it. Throws SourceError when data is
 * missing or partial; a source never returns a batch built on a partial response.
 */
export interface MetricsSource {
  readonly description: string;
  readUsage(request: UsageRequest, ctx: SourceContext): AsyncIterable<UsageBatch>;
  stats(): MetricsStats;
  /**
   * The newest sample time the source holds (unix seconds), for a file source whose data ends
   * in the past: the analysis then ends there instead of at the wall clock.
   */
  latestTimestamp?(ctx: SourceContext): Promise<number | undefined>;
  /** Node usage as the node sees it (node-exporter or cAdvisor's root cgroup), where the source has it. */
  readNodeUsage?(request: NodeUsageRequest, ctx: SourceContext): Promise<NodeUsageResult>;
  /**
   * For `tidemark validate`: what a plan would find, as cheaply as the source allows (a file is
   * parsed whole, exactly as a plan parses it; Prometheus runs the preflight and lists the
   * containers with usage in the window). Fails as `readUsage` would.
   */
  survey?(request: UsageRequest, ctx: SourceContext): Promise<UsageSurvey>;
}

export interface UsageSurvey {
  /** Requested containers with usage in the window. */
  withUsage: ContainerRef[];
  /** Usage series in the window (one per metric and container) of containers not requested. */
  unrequested: ContainerRef[];
  /** Namespaces the source could not survey (too large for the server even alone). */
  notSurveyed?: string[];
}
