/** The loaded pipeline configuration, with defaults applied and paths made absolute. */
/** A Prometheus-compatible query API; file paths are absolute after loading. */
export interface PrometheusConfig {
  url: string;
  timeout?: string;
  headers?: Record<string, string>;
  bearerTokenFile?: string;
  basicAuth?: { username: string; passwordFile: string };
  tls?: { caFile?: string; certFile?: string; keyFile?: string; insecureSkipVerify?: boolean };
  selector?: string;
  concurrency?: number;
  maxSeriesPerQuery?: number;
  maxSamplesPerQuery?: number;
  scrapeInterval?: string;
  cpuPeaks?: 'scrape' | 'interval';
  /** A recorded per-container CPU rate (cores), e.g. kube-prometheus' `…:sum_irate`, read instead of the counter. */
  recordedCpuRate?: string;
  coarse?: { after: string; step: string };
  /** Node usage as the node sees it: node-exporter, cAdvisor's root cgroup, either (auto, default), or off. */
  nodeUsage?: 'auto' | 'node-exporter' | 'cadvisor' | 'off';
  retries?: number;
  queryStats?: boolean;
  /**
   * How cAdvisor's usage series are read: PromQL range queries (default), or remote read of the
   * stored chunks, reduced by Tidemark (falls back to PromQL when the server does not stream them).
   */
  read?: 'promql' | 'remote-read';
}

export type KubernetesSourceConfig =
  | { snapshot: string }
  | { kubeconfig: string; context?: string; qps?: number; concurrency?: number; timeout?: string }
  | { inCluster: true; concurrency?: number; timeout?: string };

export type MetricsSourceConfig = { openmetrics: string } | { prometheus: PrometheusConfig };

export interface HelmReleaseConfig {
  /** The chart's folder in the repository (absent for a chart from a registry). */
  chart?: string;
  /** The values file to edit (with `chart`). */
  values?: string;
  release?: string;
  workloads?: { kind: string; namespace?: string; name: string; container: string; resourcesPath: string }[];
}

export interface RepoConfig {
  /** Absolute path of the local checkout ('' until `run` clones it when `clone` is set). */
  path: string;
  /** `tidemark run` clones the publish repository and plans against that checkout. */
  clone?: boolean;
  /** Search root relative to the repo (default: the repo itself). */
  root: string;
  argocd?: { applications?: string };
  flux?: { kustomizations?: string };
  helm?: HelmReleaseConfig[];
}

export interface ClusterConfig {
  name: string;
  /** A shard or group of the fleet (`tidemark clusters --group`). */
  group?: string;
  kubernetes: KubernetesSourceConfig;
  metrics: MetricsSourceConfig;
  repo: RepoConfig;
  settings: Record<string, unknown>;
}

export interface PipelineConfig {
  /** Absolute path of the config file (errors name it). */
  file: string;
  /** Directory of the config file (relative paths resolve here). */
  dir: string;
  clusters: ClusterConfig[];
  /** Absolute path of the policies directory. */
  policies: string;
  prices: {
    cpuCoreHour: number;
    memoryGiBHour: number;
    currency: string;
    /** Where node prices come from: config (the same everywhere) or OpenCost/Kubecost per node. */
    from?: 'config' | 'opencost';
  };
  analysis: { windowSeconds: number; stepSeconds: number; at?: number };
  analyzers: Record<string, Record<string, unknown>>;
  output: { prBodyMaxChars: number };
  /**
   * Where runs keep state between them (absolute; one folder per cluster, see stateDirOf in
   * pipeline/fleet/state.ts). Read by the incremental history's checkpoints.
   */
  state?: { path: string };
  /** Sections later stages read (publish, guardian), validated by their own schemas. */
  raw: Record<string, unknown>;
}
