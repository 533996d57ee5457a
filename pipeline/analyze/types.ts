/**
 * The analyzer contract. Every analyzer is a folder under analyze/ with the same shape
 * (index.ts manifest, analyze.ts, args.ts, README.md, tests) registered in analyze/api.ts.
 * Analyzers are pure: model + args in, recommendations and skips out. No I/O, no git, no GitHub.
 */
import type { ClusterModel, ObjectRef, WorkloadKey } from '../model/types.js';

export type AnalyzerId = 'rightsize' | 'hpa' | 'cronhpa' | 'scaledown' | 'placement' | 'overcommit';

/**
 * A path to a field inside an object. Strings are keys, numbers are list indices, and
 * `{ name }` selects the list item whose `name` equals it (containers by name, never by index,
 * since Git may list them in another order than the cluster).
 */
export type FieldPathSegment = string | number | { name: string };
export type FieldPath = FieldPathSegment[];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export interface QuantityInfo {
  resource: 'cpu' | 'memory';
  role: 'request' | 'limit';
  container: string;
  /** Current and proposed in base units (millicores, bytes). */
  current?: number;
  proposed: number;
}

/** One field we want to set (or remove, with proposed === undefined) on a live object. */
export interface FieldProposal {
  object: ObjectRef;
  path: FieldPath;
  /** The live value (raw, as the API returns it). */
  current?: JsonValue;
  proposed?: JsonValue;
  quantity?: QuantityInfo;
  /** For a structured value (JSON inside a ConfigMap key): the schema $id it must pass before a PR. */
  schema?: string;
  /**
   * For a subject that is not a Kubernetes object (a node pool's size in a Terraform-values or
   * YAML file named in config): the repo file that holds it, relative to the repo root.
   */
  file?: string;
}

/** A whole object to add to the GitOps repo (an HPA, a CronHPA, a ScaledObject…). */
export interface ObjectProposal {
  object: ObjectRef;
  manifest: Record<string, JsonValue>;
  /** JSON Schema $id it must validate against before it reaches a PR. */
  schema: string;
  /**
   * Objects this one takes the place of in the same change: a KEDA ScaledObject or Crane EHPA
   * owns the HPA, so the plain HPA another analyzer proposed (object or fields) is dropped.
   */
  replaces?: ObjectRef[];
}

/**
 * Fields an in-cluster controller owns from now on (an HPA owns the workload's replicas; Aliyun's
 * CronHPA rewrites the HPA's min/max). The GitOps engine must stop reverting them: render adds
 * the engine's ignore rule (Argo CD ignoreDifferences + RespectIgnoreDifferences, Flux spec.ignore)
 * or refuses the change.
 */
export interface DriftHandOver {
  object: ObjectRef;
  /** JSON pointers, e.g. "/spec/replicas". */
  pointers: string[];
  /** Who owns them now, for the PR body. */
  owner: string;
  /** True when the change must not ship without the ignore rule (the controller would be fought). */
  required: boolean;
}

export interface Confidence {
  /** VPA-style "days of data": min(span/24h, samples/1440). */
  days: number;
  level: 'low' | 'medium' | 'high';
}

export interface Evidence {
  window: { start: number; end: number };
  samples: number;
  /** e.g. "P98 of 5-minute memory peaks, 48h half-life". */
  statistic?: string;
  percentile?: number;
  peak?: number;
  /** What `peak`, `lower` and `upper` count, when they are a resource. */
  unit?: 'millicores' | 'bytes';
  ooms: number;
  confidence?: Confidence;
  lower?: number;
  upper?: number;
  /** One sentence a reviewer reads first. */
  why: string;
  /** The exact queries and windows behind the numbers (Prometheus sources). */
  queries?: string[];
  [key: string]: unknown;
}

export type Risk = 'low' | 'medium' | 'high';

export interface Recommendation {
  /** Stable id: `${analyzer}:${workload}:${subject}`. */
  id: string;
  analyzer: AnalyzerId;
  /** The unit of change: everything for one workload travels together. */
  workload: WorkloadKey;
  /** What this is about, e.g. "container web cpu request". */
  subject: string;
  fields: FieldProposal[];
  objects: ObjectProposal[];
  evidence: Evidence;
  risk: Risk;
  /** Monthly cost delta inputs: change in requested cores and bytes across all replicas. */
  delta?: { cpuCores: number; memoryBytes: number };
  /** Profile, mode or other analyzer-specific facts shown in plan.json. */
  details?: Record<string, unknown>;
  handOver?: DriftHandOver[];
  /**
   * Ids of recommendations whose proposals this one carries (a schedule sized on the HPA the hpa
   * analyzer proposes): when policy rejects one of them, this one is rejected too.
   */
  dependsOn?: string[];
}

export type SkipReason =
  | 'excluded'
  | 'opted-out'
  | 'no-metrics'
  | 'insufficient-history'
  | 'hpa-scales-cpu'
  | 'vpa-active'
  | 'resource-override-namespace'
  | 'unsupported-kind'
  | 'git-live-mismatch'
  | 'not-in-git'
  | 'ambiguous-source'
  | 'container-not-in-git'
  | 'render-refused'
  | 'below-threshold'
  | 'policy-rejected'
  | 'quota-exceeded'
  | 'no-change'
  | 'not-eligible'
  | 'not-supported'
  | string;

export interface Skipped {
  analyzer: AnalyzerId | 'render' | 'policy' | 'merge';
  workload: WorkloadKey;
  reason: SkipReason;
  detail: string;
  container?: string;
}

/**
 * Findings that are not changes to Git (nodes are not in Git): shown in plan.json and in a PR-body
 * section, with every number behind them.
 */
export interface AnalyzerReport {
  analyzer: AnalyzerId;
  title: string;
  data: Record<string, unknown>;
}

export interface AnalyzerResult {
  recommendations: Recommendation[];
  skipped: Skipped[];
  reports?: AnalyzerReport[];
}

export interface AnalyzeContext {
  /** Analysis time, unix seconds. */
  now: number;
  cluster: string;
  /** Per-cluster settings an analyzer may read (kubernetes version, cron form, provider…). */
  clusterSettings: Record<string, unknown>;
  /** Node prices from config (what a requested core and GiB cost per hour), for cost comparisons. */
  prices?: { cpuCoreHour: number; memoryGiBHour: number; currency: string };
  /** What right-sizing proposes, for analyzers that build on it (HPA targets use the new request). */
  upstream?: Map<AnalyzerId, AnalyzerResult>;
  /**
   * Per-workload settings from policies (e.g. { profile: 'latency' } for one namespace), merged
   * over the analyzer's args by the analyzer itself. Resolved before analysis, so analyzers stay pure.
   */
  overrides?: (workload: WorkloadKey, analyzer: AnalyzerId) => Record<string, unknown>;
  /**
   * Another analyzer's arguments as configured for this run (defaults merged), for an analyzer
   * that must agree with it (overcommit never compresses below right-sizing's floors).
   */
  argsOf?: (analyzer: AnalyzerId) => Record<string, unknown> | undefined;
}

/**
 * A field-ownership pattern: path segments where '*' matches any single segment and '**' any
 * rest. Each field we write has exactly one owning analyzer.
 */
export interface OwnedField {
  kind: string;
  path: (string | '*' | '**')[];
}

export interface Analyzer<Args = unknown> {
  id: AnalyzerId;
  /** One line for README tables and --help. */
  description: string;
  /** $id of the args JSON Schema in schemas/tidemark/. */
  argsSchema: string;
  defaults: Args;
  owns: OwnedField[];
  /** Analyzers whose results this one reads from ctx.upstream (run order). */
  after?: AnalyzerId[];
  analyze(model: ClusterModel, args: Args, ctx: AnalyzeContext): AnalyzerResult;
}

export function recommendationId(analyzer: AnalyzerId, workload: WorkloadKey, subject: string): string {
  return `${analyzer}:${workload}:${subject}`;
}
