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
  /** Eviction caps: per node per hour, per namespace per minute (the gate's total cap applies too). */
  evictCaps: { perNodePerHour: number; perNamespacePerMinute: number };
  /** On CPU pressure a victim must itself use at least this share of the node's CPU. */
  minCpuShare: number;
  /** Node label naming the pool (for the pool-share brake). */
  poolLabel: string;
  dryRun: boolean;
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
  actions: { taint: true, evict: true, liftHpa: true, reclaim: true, burst: true, forecastTaint: false },
  reclaim: { step: 20, floor: 10 },
  burst: { pendingSeconds: 120, minPending: 1 },
  hpa: { windowSeconds: 180, step: 0.5, maxFactor: 2 },
  evictCaps: { perNodePerHour: 3, perNamespacePerMinute: 2 },
  minCpuShare: 0.1,
  poolLabel: 'node-pool',
  dryRun: false,
};

export const HOTSPOT_TAINT = { key: 'tidemark.io/hotspot', value: 'true', effect: 'NoSchedule' } as const;
/** On every object the guardian touches: the journal entry that explains it. */
export const JOURNAL_ANNOTATION = 'tidemark.io/guardian-journal';
