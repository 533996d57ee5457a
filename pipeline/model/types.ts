/**
 * The cluster model every analyzer reads: pure data built from a Kubernetes inventory and a
 * metrics stream. Quantities are parsed once here (millicores, bytes); the raw strings are kept
 * beside them so render can compare Git with live byte-for-byte meaning.
 */
import type { MilliCpu, Bytes } from '../core/quantity.js';
import type { OomEvent, UsageWindow } from '../collect/types.js';
import type { PodRecentUsage, WorkloadUsage } from './usage/types.js';
import type { NodeUsageModel } from './node-usage/types.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job' | 'CronJob';

/** "Deployment/shop/web": the key that joins everything about one workload. */
export type WorkloadKey = string;

export function workloadKey(kind: string, namespace: string, name: string): WorkloadKey {
  return `${kind}/${namespace}/${name}`;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ResourceValues {
  cpu?: MilliCpu;
  memory?: Bytes;
}

export interface RawResources {
  cpu?: string;
  memory?: string;
}

export interface ContainerModel {
  name: string;
  image?: string;
  /** 'init' for initContainers, 'sidecar' for native sidecars (init with restartPolicy: Always). */
  role: 'main' | 'init' | 'sidecar';
  requests: ResourceValues;
  limits: ResourceValues;
  rawRequests: RawResources;
  rawLimits: RawResources;
  hasResources: boolean;
  privileged?: boolean;
  hostPorts?: number[];
  gpu?: boolean;
  hasLivenessProbe?: boolean;
  hasReadinessProbe?: boolean;
  hasPreStop?: boolean;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface VolumeModel {
  name: string;
  /** 'emptyDir' | 'hostPath' | 'persistentVolumeClaim' | 'configMap' | 'secret' | … */
  type: string;
  claimName?: string;
  medium?: string;
}

export interface PodTemplateModel {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  containers: ContainerModel[];
  initContainers: ContainerModel[];
  nodeSelector: Record<string, string>;
  /** Kept as given: only packing and placement read it. */
  affinity?: unknown;
  tolerations: Toleration[];
  topologySpreadConstraints?: unknown[];
  volumes: VolumeModel[];
  priorityClassName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  serviceAccountName?: string;
  readinessGates?: string[];
}

export interface GitOpsTracking {
  /** argocd.argoproj.io/tracking-id: "<app>:<group>/<Kind>:<ns>/<name>" */
  argocdTrackingId?: string;
  /** app.kubernetes.io/instance (Argo CD label tracking) */
  argocdInstance?: string;
  /** kustomize.toolkit.fluxcd.io/name and /namespace */
  fluxKustomization?: { name: string; namespace: string };
  /** helm.toolkit.fluxcd.io/name and /namespace */
  fluxHelmRelease?: { name: string; namespace: string };
}

export interface WorkloadModel {
  key: WorkloadKey;
  apiVersion: string;
  kind: WorkloadKind;
  namespace: string;
  name: string;
  uid?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  createdAt?: number;
  generation?: number;
  /** spec.replicas as live (undefined for DaemonSets, or when unset). */
  replicas?: number;
  readyReplicas?: number;
  template: PodTemplateModel;
  /** Pods currently owned (through ReplicaSets for Deployments). */
  podNames: string[];
  gitops: GitOpsTracking;
  /** Deployment strategy surge, for quota checks (pods that may exist at once during a rollout). */
  maxSurge?: number;
  /** Owner chain root, when the workload itself is owned (e.g. an operator's CR). */
  ownedBy?: ObjectRef;
}

export interface ContainerStatusModel {
  name: string;
  ready: boolean;
  restartCount: number;
  lastTerminationReason?: string;
  /** Unix seconds. */
  lastTerminatedAt?: number;
  /** The memory limit at the time, from the pod spec. */
  memoryLimit?: Bytes;
}

export interface PodModel {
  namespace: string;
  name: string;
  uid?: string;
  /** The owning workload (resolved through ReplicaSets), when any. */
  workload?: WorkloadKey;
  ownerKind?: string;
  nodeName?: string;
  phase?: string;
  qosClass?: string;
  priority?: number;
  priorityClassName?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startedAt?: number;
  ready: boolean;
  containers: ContainerModel[];
  initContainers: ContainerModel[];
  statuses: ContainerStatusModel[];
  volumes: VolumeModel[];
  nodeSelector: Record<string, string>;
  affinity?: unknown;
  tolerations: Toleration[];
  topologySpreadConstraints?: unknown[];
  hostNetwork?: boolean;
  /** spec.readinessGates condition types (load-balancer target health and the like). */
  readinessGates?: string[];
  /** metadata.deletionTimestamp is set: already leaving. */
  terminating?: boolean;
  /** Mirror pods (static) and DaemonSet pods need special handling in scale-down and guardian. */
  isMirror: boolean;
  isDaemonSet: boolean;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface NodeModel {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  taints: Taint[];
  unschedulable: boolean;
  capacity: ResourceValues & { pods?: number };
  allocatable: ResourceValues & { pods?: number };
  conditions: Record<string, string>;
  createdAt?: number;
  /** virtual-kubelet / super node / Fargate nodes, detected from labels. */
  virtual: boolean;
}

export interface HpaMetricModel {
  type: string;
  resource?: string;
  container?: string;
  targetType?: string;
  averageUtilization?: number;
  averageValue?: string;
  raw: unknown;
}

export interface HpaModel {
  namespace: string;
  name: string;
  target: { apiVersion?: string; kind: string; name: string };
  workload?: WorkloadKey;
  minReplicas: number;
  maxReplicas: number;
  metrics: HpaMetricModel[];
  behavior?: unknown;
  currentReplicas?: number;
  desiredReplicas?: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** KEDA (keda-hpa-*), Crane (ehpa-*) or another controller owns this HPA. */
  ownedBy?: ObjectRef;
  gitops: GitOpsTracking;
}

export interface PdbModel {
  namespace: string;
  name: string;
  selector?: unknown;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  expectedPods?: number;
  workloads: WorkloadKey[];
}

export interface LimitRangeItemModel {
  type: 'Container' | 'Pod' | string;
  min: ResourceValues;
  max: ResourceValues;
  defaultLimit: ResourceValues;
  defaultRequest: ResourceValues;
  maxLimitRequestRatio: { cpu?: number; memory?: number };
}

export interface LimitRangeModel {
  namespace: string;
  name: string;
  items: LimitRangeItemModel[];
}

export interface ResourceQuotaModel {
  namespace: string;
  name: string;
  /** Hard limits keyed as in the API: "requests.cpu", "requests.memory", "limits.cpu", "cpu", … */
  hard: Record<string, number>;
  used: Record<string, number>;
}

export interface VpaModel {
  namespace: string;
  name: string;
  target: { kind: string; name: string };
  workload?: WorkloadKey;
  updateMode: string;
}

export interface NamespaceModel {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Any other object a stage needs verbatim (CronHPAs, ScaledObjects, EHPAs, Applications, …). */
export interface GenericObjectModel {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec?: unknown;
  status?: unknown;
  /** ConfigMap data (only Koordinator's slo-controller-config is read). */
  data?: Record<string, string>;
}

export interface ClusterModel {
  cluster: string;
  /** Analysis time, unix seconds (end of the usage window). */
  at: number;
  version?: string;
  metricsApiAvailable?: boolean;
  installedKinds: string[];
  namespaces: Map<string, NamespaceModel>;
  nodes: Map<string, NodeModel>;
  workloads: Map<WorkloadKey, WorkloadModel>;
  /** "namespace/name" → pod */
  pods: Map<string, PodModel>;
  hpas: HpaModel[];
  pdbs: PdbModel[];
  vpas: VpaModel[];
  limitRanges: LimitRangeModel[];
  resourceQuotas: ResourceQuotaModel[];
  /** Objects kept verbatim by kind ("keda.sh/ScaledObject" → objects). */
  others: Map<string, GenericObjectModel[]>;
  /** Each pod's last hour ("namespace/pod"), for capacity scoring; absent without metrics. */
  podUsage?: Map<string, PodRecentUsage>;
  /** Usage digests per workload; absent when no metrics were read for it. */
  usage: Map<WorkloadKey, WorkloadUsage>;
  usageWindow?: UsageWindow;
  /** Per node, usage by quality tier and as the node reports it (overcommit, hotspot forecast). */
  nodeUsage?: NodeUsageModel;
  ooms: OomEvent[];
  /** Recent Tidemark changes found in the GitOps repo history (commit trailers). */
  history: ChangeHistoryEntry[];
}

export interface ChangeHistoryEntry {
  /** Unix seconds of the commit. */
  time: number;
  commit: string;
  workload: WorkloadKey;
  /** Field identifier as written in the trailer, e.g. "container/web/requests/memory". */
  field: string;
  from?: string;
  to?: string;
}
