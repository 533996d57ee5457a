/**
 * The guardian's settings (`guardian:` in the config, schema in config.schema.json). Every
 * threshold and cap has a default chosen to act late rather than early: a sustained low
 * percentile, hysteresis before cooling, and brakes that stop it when much of the cluster is hot.
 */
export interface GuardianSettings {
  /** Namespace of the guardian's Lease, journal and Events. */
  namespace: string;
  /** Seconds between usage samples (and reconcile ticks). */
  intervalSeconds: number;
  /** A node is hot when this percentile of its usage over `windowSeconds` exceeds the threshold. */
  percentile: number;
  windowSeconds: number;
  cpuThreshold: number;
  memoryThreshold: number;
  /** It cools when the high percentile (1 − percentile) stays this far under the threshold … */
  hysteresis: number;
  /** … for this long; then the guardian reverts what it did. */
  coolSeconds: number;
  /** No second step on a node before this many seconds after the first. */
  stepCooldownSeconds: number;
  /** A sample older than this many intervals makes the node hands-off (stale metrics). */
  staleIntervals: number;
  brakes: {
    /** At most this share of a pool tainted by the guardian at a time. */
    maxPoolShare: number;
    /** Stop tainting when schedulable CPU headroom (share of allocatable) would fall under this. */
    headroomFloor: number;
    /** When this share of nodes is hot, only Events (and HPA ceilings): a fleet-wide surge. */
    fleetHotShare: number;
    /** At most this many steps (taints, evictions, lifts, switches) per minute, cluster-wide. */
    maxActionsPerMinute: number;
  };
  actions: {
    taint: boolean;
    evict: boolean;
    liftHpa: boolean;
    reclaim: boolean;
    burst: boolean;
    /** In-place pod resize through `pods/resize` (Kubernetes ≥ 1.33). */
    resize: boolean;
    /** Taint ahead of time where the hotspot forecast (forecast.ts) has a window open; off by default. */
    forecastTaint: boolean;
  };
  /** Koordinator: lower the hot pool's reclaim threshold by `step` points, never under `floor` %. */
  reclaim: { step: number; floor: number };
  /** TKE: turn AUTO_SCALE_EKS on when pods stayed unschedulable this long; off after `coolSeconds`. */
  burst: { pendingSeconds: number; minPending: number };
  /** The elastic ceiling: lifting a saturated HPA's maxReplicas. */
  hpa: {
    /** Saturated: at maxReplicas with utilization above target (or ScalingLimited) this long. */
    windowSeconds: number;
    /** Each lift adds this share of the current ceiling (at least one replica) … */
    step: number;
    /** … never above this multiple of the ceiling before the incident. */
    maxFactor: number;
  };
  /** In-place resize (decide-resize.ts): memory before the kill, CPU on a hot node. */
  resize: ResizeSettings;
  /** Eviction caps: per node per hour, per namespace per minute (the gate's total cap applies too). */
  evictCaps: { perNodePerHour: number; perNamespacePerMinute: number };
  /** On CPU pressure a victim must itself use at least this share of the node's CPU. */
  minCpuShare: number;
  /** Node label naming the pool (for the pool-share brake). */
  poolLabel: string;
  /** Node usage from deploy/guardian/prometheus-rules' recorded series (large clusters). */
  recordedNodeUsage: boolean;
  dryRun: boolean;
}

export interface ResizeSettings {
  /**
   * A container qualifies for more memory when its working set stays at or above this share of its
   * limit over the window (the `percentile` of the window, as for nodes: p20 by default).
   */
  memoryThreshold: number;
  /** Each step adds this share of the declared value (limit and request; CPU likewise) … */
  step: number;
  /** … never above this multiple of the declared value (the pod's, before the guardian's first step). */
  maxFactor: number;
  /** A memory raise is rolled back once the working set's high percentile stays under this share of the old limit for `coolSeconds`. */
  rollbackBelow: number;
  /** An OOM kill this recent, with the container running again, qualifies too. */
  oomSeconds: number;
  /** A `RestartContainer` resizePolicy means a restart: refused unless this allows it. */
  allowRestart: boolean;
  /** Latency-critical: priority at or above this (or Koordinator's LSE/LSR/LS class); lower is batch. */
  latencyPriority: number;
  /** A latency-critical container is throttled when this share of its CFS periods are. */
  throttledShare: number;
  /** A resize the kubelet defers (PodResizePending Deferred) longer than this is given up. */
  deferredSeconds: number;
  /** A memory raise live this long (or needed on two pods of one workload) gets an emergency PR. */
  gitAfterSeconds: number;
  /** Resizes per node per hour and per namespace per minute (the gate's total cap applies too). */
  caps: { perNodePerHour: number; perNamespacePerMinute: number };
  /** At most this many containers near their memory limit are followed at once (topk). */
  maxContainers: number;
}

export const GUARDIAN_DEFAULTS: GuardianSettings = {
  namespace: 'tidemark',
  intervalSeconds: 10,
  percentile: 0.2,
  windowSeconds: 120,
  cpuThreshold: 0.8,
  memoryThreshold: 0.8,
  hysteresis: 0.1,
  coolSeconds: 600,
  stepCooldownSeconds: 120,
  staleIntervals: 3,
  brakes: { maxPoolShare: 0.2, headroomFloor: 0.15, fleetHotShare: 0.5, maxActionsPerMinute: 10 },
  actions: {
    taint: true,
    evict: true,
    liftHpa: true,
    reclaim: true,
    burst: true,
    resize: true,
    forecastTaint: false,
  },
  reclaim: { step: 20, floor: 10 },
  burst: { pendingSeconds: 120, minPending: 1 },
  hpa: { windowSeconds: 180, step: 0.5, maxFactor: 2 },
  resize: {
    memoryThreshold: 0.9,
    step: 0.25,
    maxFactor: 2,
    rollbackBelow: 0.8,
    oomSeconds: 3600,
    allowRestart: false,
    latencyPriority: 1000,
    throttledShare: 0.25,
    deferredSeconds: 300,
    gitAfterSeconds: 7200,
    caps: { perNodePerHour: 6, perNamespacePerMinute: 3 },
    maxContainers: 500,
  },
  evictCaps: { perNodePerHour: 3, perNamespacePerMinute: 2 },
  minCpuShare: 0.1,
  poolLabel: 'node-pool',
  recordedNodeUsage: false,
  dryRun: false,
};

export const HOTSPOT_TAINT = { key: 'tidemark.io/hotspot', value: 'true', effect: 'NoSchedule' } as const;
/** On every object the guardian touches: the journal entry that explains it. */
export const JOURNAL_ANNOTATION = 'tidemark.io/guardian-journal';
