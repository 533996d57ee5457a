/**
 * The report's data: computed once in Node (report/model), embedded in report.html, and only
 * displayed by the page (report/client). Types only, so the browser bundle shares them.
 *
 * Money is per month (730 hours) in `currency`; a saving is positive when money is saved. CPU is
 * in cores, memory in bytes, times in unix seconds.
 */

export const REPORT_DATA_VERSION = 1;

export interface ReportData {
  version: typeof REPORT_DATA_VERSION;
  /** The newest plan's analysis time: "now" for every figure. */
  now: number;
  currency: string;
  period: {
    seconds: number;
    /** [start, now] is this period, [previousStart, start] the one before. */
    start: number;
    previousStart: number;
  };
  clusters: ClusterInfo[];
  header: Header;
  /** Requested cost per day over the plans' windows. */
  trend: { times: number[]; cost: number[] };
  stages: StageRow[];
  groups: { clusters: GroupRow[]; teams: GroupRow[] };
  ranking: { workloads: RankedWorkload[]; namespaces: RankedNamespace[] };
  namespaces: NamespaceRow[];
  workloads: WorkloadRow[];
  pulls: PullLink[];
  sources: Sources;
}

export interface ClusterInfo {
  name: string;
  /** Analysis time of its newest plan. */
  at: number;
  window: { start: number; end: number };
  prices: {
    source: 'config' | 'opencost';
    cpuCoreHour: number;
    memoryGiBHour: number;
    /** Nodes priced by OpenCost, of them spot, and those it had no price for. */
    pricedNodes: number;
    spotNodes: number;
    unpriced: number;
    note?: string;
  };
  nodes: { count: number; cpuCores: number; memoryBytes: number; monthly: number };
  /** Its newest plan has no inventory (written by an older Tidemark): no costs for it. */
  noInventory?: boolean;
}

/** A figure now and a period ago (undefined: no plan from then). */
export interface Compared {
  now: number;
  before?: number;
}

export interface Header {
  /** What the nodes cost: their capacity × price (OpenCost's per node, or config's). */
  cost: Compared;
  /** Σ over workloads of requests × replicas × price: what the workloads reserve. */
  requested: Compared;
  /** The requested part no workload used (above its P95), per resource. */
  idle: number;
  savings: {
    /** Rendered, accepted or clamped recommendations of the newest plans. */
    proposed: number;
    /** Request changes in Tidemark commits merged this period, at today's replicas and prices. */
    merged: number;
    /** The part of `merged` the cluster runs now: live requests against those before the merge. */
    realised: number;
    mergedChanges: number;
  };
  risk: {
    /** OOM kills in the newest plans' windows. */
    ooms: number;
    oomWorkloads: number;
    /** Workload-days at the CPU limit (CFS-throttled) in the newest windows. */
    throttledDays: number;
    throttledWorkloads: number;
    /** Tidemark changes reverted this period (post-merge watch). */
    reverted: number;
    /** Guardian actions that reached Git this period (emergency pull requests). */
    guardian: number;
  };
}

export type StageId = 'rightsize' | 'autoscaling' | 'overcommit' | 'scaledown' | 'placement';

export interface StageRow {
  stage: StageId;
  title: string;
  recommendations: number;
  workloads: number;
  /** What the stage's subjects use now and would after, in words and money per month. */
  before: { detail: string; monthly: number };
  after: { detail: string; monthly: number };
  saving: Compared;
  /** How the saving is counted. */
  note: string;
}

export interface GroupRow {
  name: string;
  workloads: number;
  /** Requested cost (what its workloads reserve). */
  cost: Compared;
  /** A cluster's nodes. */
  nodes?: Compared;
  idle: number;
  proposed: Compared;
  merged: number;
  realised: number;
  byStage: Record<StageId, number>;
  ooms: number;
  throttledDays: number;
  /** Share of the group's cost in core workloads. */
  coreShare: number;
}

export interface RankFactors {
  /** Its cost over the fleet's cost. */
  costShare: number;
  /** The proposed saving over its cost. */
  effect: number;
  /** 1 for a low-risk change that renders as is, less for risk, low confidence, manual work. */
  ease: number;
  /** 1, or CORE_WEIGHT for a core workload. */
  core: number;
  score: number;
}

export interface RankedWorkload extends RankFactors {
  workload: number;
  /** Why ease is what it is. */
  easeWhy: string;
}

export interface RankedNamespace extends RankFactors {
  cluster: string;
  namespace: string;
  workloads: number;
  saving: number;
}

export interface NamespaceRow {
  cluster: string;
  namespace: string;
  team?: string;
  workloads: number;
  cost: number;
  used: number;
  idle: number;
  proposed: number;
  saving: number;
  ooms: number;
  throttledDays: number;
  pulls: number[];
}

export interface WorkloadRecommendation {
  analyzer: string;
  subject: string;
  decision: string;
  risk: string;
  why: string;
  saving: number;
  rendered: boolean;
}

export interface WorkloadRow {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
  team?: string;
  core?: string;
  replicas: number;
  /** Per pod. */
  requests: { cpuCores: number; memoryBytes: number };
  containers: {
    name: string;
    cpuCores: number;
    memoryBytes: number;
    proposedCpuCores?: number;
    proposedMemoryBytes?: number;
  }[];
  /** Workload totals over the window (Σ pods). */
  used?: { cpuP95: number; cpuPeak: number; memoryP95: number; memoryPeak: number };
  cost: number;
  /** What the P95 use would cost; idle = cost − used, never below 0. */
  usedCost: number;
  idle: number;
  /** Cost with the proposed requests and replicas (rendered changes only). */
  proposedCost: number;
  saving: number;
  recommendations: WorkloadRecommendation[];
  ooms: number;
  restarts: number;
  throttledDays: number;
  pulls: number[];
  series?: {
    start: number;
    step: number;
    cpuCoresMax: number;
    memoryBytesMax: number;
    podsMax: number;
    cpu: string;
    memory: string;
    pods: string;
  };
}

export interface PullLink {
  cluster: string;
  number: number;
  url: string;
  title?: string;
  branch?: string;
  workloads: string[];
}

export interface Sources {
  plans: { file: string; cluster: string; at: number; generatedAt: string }[];
  history?: { repo: string; since: number; commits: number };
  notes: string[];
}
