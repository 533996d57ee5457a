/**
 * Scale-down analyzer arguments (schema: schemas/tidemark/analyzers/scaledown.schema.json).
 * Cluster-wide values come from config `analyzers.scaledown`; the workload and pod weights may be
 * overridden per workload by a policy's `settings.scaledown`, like every analyzer argument.
 */

/** Workload factors. Each is a value in [0, 1], 1 meaning "moves freely". */
export interface WorkloadWeights {
  replicas: number;
  hpa: number;
  autoReschedule: number;
  deployment: number;
  testNamespace: number;
  spread: number;
  loadBalancer: number;
  preStop: number;
  probes: number;
  stateless: number;
  load: number;
  stable: number;
}

/** Pod factors, the same way round; `workload` is w0, the weight of the pod's WorkloadScore. */
export interface PodWeights {
  workload: number;
  readinessGates: number;
  outOfEndpoints: number;
  load: number;
  localData: number;
  notRunning: number;
  notReady: number;
}

/**
 * Node factors. These count what draining a node costs, so a low NodeScore is a cheap node to
 * remove: `pods` (w0) multiplies the sum over its pods of (1 − PodScore/100).
 */
export interface NodeWeights {
  pods: number;
  load: number;
  podCount: number;
  workloadCount: number;
  priority: number;
}

export interface NodePriorityRule {
  /** Label key and (optional) value the node must carry. */
  label: string;
  value?: string;
  /** In [0, 1]: how much the cluster wants to keep such a node (1: keep, 0: remove first). */
  keep: number;
}

export interface ScaledownArgs {
  workloadWeights: WorkloadWeights;
  podWeights: PodWeights;
  nodeWeights: NodeWeights;
  /** Factor scales: the replica count that counts as fully redundant, and so on. */
  scales: { replicas: number; podsPerNode: number; workloadsPerNode: number };
  /** Namespaces of a test kind: names matching any of these regular expressions. */
  testNamespaces: string[];
  /** Pod-template annotation an owner sets to "true" to mark a workload stateless. */
  statelessAnnotation: string;
  nodePriority: NodePriorityRule[];
  /** A node is considered for removal only under this requested share of its allocatable. */
  candidateUtilization: number;
  /** And only with a NodeScore under this. */
  threshold: number;
  /** At most this many nodes proposed per run (each drained after the previous one). */
  maxNodes: number;
  /**
   * Set by a policy for workloads that must never be moved: render cluster-autoscaler's
   * safe-to-evict "false" and/or Karpenter's do-not-disrupt "true" on the pod template.
   */
  protect: false | 'cluster-autoscaler' | 'karpenter' | 'both';
}

export const SCALEDOWN_DEFAULTS: ScaledownArgs = {
  workloadWeights: {
    replicas: 3,
    hpa: 1,
    autoReschedule: 3,
    deployment: 2,
    testNamespace: 1,
    spread: 2,
    loadBalancer: 1,
    preStop: 1,
    probes: 1,
    stateless: 2,
    load: 2,
    stable: 1,
  },
  podWeights: {
    workload: 6,
    readinessGates: 1,
    outOfEndpoints: 1,
    load: 2,
    localData: 2,
    notRunning: 0.5,
    notReady: 0.5,
  },
  nodeWeights: { pods: 1, load: 4, podCount: 2, workloadCount: 2, priority: 4 },
  scales: { replicas: 5, podsPerNode: 110, workloadsPerNode: 30 },
  testNamespaces: ['(^|[-_])(test|tests|testing|dev|qa|staging|sandbox|preview|ci|e2e)([-_]|$)'],
  statelessAnnotation: 'tidemark.io/stateless',
  nodePriority: [],
  candidateUtilization: 0.5,
  threshold: 8,
  maxNodes: 3,
  protect: false,
};

/**
 * Per-cluster settings (`clusters[].settings.capacity`): where node-pool sizes live in Git, so a
 * drained node's pool shrinks in the same PR instead of the autoscaler adding a node back.
 */
export interface CapacitySettings {
  /** Node label whose value names the node's pool (default `karpenter.sh/nodepool`). */
  poolLabel?: string;
  /** Pools sized by a file in the repo: the value at `path` is the pool's node count. */
  nodeGroups?: { pool: string; file: string; path: string }[];
}
