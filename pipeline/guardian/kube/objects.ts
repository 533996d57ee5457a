/**
 * What the guardian keeps of Nodes and Pods: the fields it reads, nothing else (never
 * managedFields, images or env), so a 50,000-pod cluster fits in a small pod.
 */
import { parseCpu, parseMemory } from '../../core/quantity.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface NodeObject {
  metadata: {
    name: string;
    resourceVersion?: string;
    labels: Record<string, string>;
    /** Only tidemark.io/ annotations are kept … */
    annotations: Record<string, string>;
    /** … and whether the node has any at all (a JSON patch adds a key only to an existing map). */
    annotated: boolean;
  };
  spec: { taints?: { key: string; value?: string; effect: string }[]; unschedulable?: boolean };
  status: { allocatableCpu: number; allocatableMemory: number; conditions: Record<string, string> };
}

/** CPU in millicores, memory in bytes; undefined: not set. */
export interface Resources {
  cpuRequest?: number;
  cpuLimit?: number;
  memoryRequest?: number;
  memoryLimit?: number;
}

/** A container as in-place resize reads it: its resources, and what the kubelet reports. */
export interface ContainerState extends Resources {
  name: string;
  /** Its `resources.limits` / `.requests` maps exist (a JSON patch adds a key only to an existing map). */
  limitsMap: boolean;
  requestsMap: boolean;
  /** `resizePolicy` says RestartContainer for the resource: a resize restarts it. */
  restartOnCpu?: true;
  restartOnMemory?: true;
  running?: true;
  /** Unix seconds its last run ended in an OOM kill (lastState.terminated.reason OOMKilled). */
  oomAt?: number;
  /**
   * status.containerStatuses[].resources: `reported` once the kubelet writes it; `applied` holds
   * it only while it differs from the spec (a resize not carried out yet).
   */
  reported?: true;
  applied?: Resources;
}

/** A PodResizePending / PodResizeInProgress condition (status True). */
export interface ResizeCondition {
  reason: string;
  message?: string;
  /** The pod generation it answers (1.34+: metadata.generation counts resizes). */
  observedGeneration?: number;
}

export interface PodObject {
  metadata: { name: string; namespace: string; resourceVersion?: string; uid?: string; generation?: number };
  nodeName?: string;
  phase?: string;
  /** Millicores the scheduler counts for it. */
  cpuRequest: number;
  /** Bytes the scheduler counts for it. */
  memoryRequest: number;
  /** Regular containers, in spec order (the index a JSON patch names). */
  containers: ContainerState[];
  /** Init containers' resources, only where any are set: the QoS class counts them. */
  initResources?: Resources[];
  resizePending?: ResizeCondition;
  resizeInProgress?: ResizeCondition;
  /** The workload that owns it ("Deployment/web", "StatefulSet/db"), for Git agreement. */
  workload?: string;
  /** Koordinator's latency-sensitive classes (koordinator.sh/qosClass LSE, LSR, LS). */
  latencyClass?: true;
  qosClass?: string;
  priority: number;
  /** Kind of its controller (ReplicaSet, DaemonSet, …); undefined for a bare pod. */
  controller?: string;
  mirror: boolean;
  /** hostPath or on-disk emptyDir: its data dies with an eviction. */
  localStorage: boolean;
  /** One of the guardian's own replicas. */
  guardian: boolean;
  terminating: boolean;
  /** Pending because the scheduler found no node (PodScheduled=False, Unschedulable). */
  unschedulable: boolean;
}

export const GUARDIAN_POD_LABEL = { key: 'app.kubernetes.io/name', value: 'tidemark-guardian' } as const;

/** A quantity the API server accepted; 0 when absent (a node still registering). */
const quantity = (v: unknown, parse: (q: string | number) => number = parseCpu): number => {
  try {
    return v === undefined ? 0 : parse(v as string);
  } catch {
    return 0;
  }
};

export function trimNode(raw: unknown): NodeObject {
  const o = raw as any;
  const conditions: Record<string, string> = {};
  for (const c of o.status?.conditions ?? []) conditions[c.type] = c.status;
  return {
    metadata: {
      name: o.metadata.name,
      resourceVersion: o.metadata.resourceVersion,
      labels: o.metadata.labels ?? {},
      annotations: pick(o.metadata.annotations ?? {}, (k) => k.startsWith('tidemark.io/')),
      annotated: Object.keys(o.metadata.annotations ?? {}).length > 0,
    },
    spec: { taints: o.spec?.taints, unschedulable: o.spec?.unschedulable },
    status: {
      allocatableCpu: quantity(o.status?.allocatable?.cpu),
      allocatableMemory: quantity(o.status?.allocatable?.memory, parseMemory),
      conditions,
    },
  };
}

const LATENCY_CLASSES = new Set(['LSE', 'LSR', 'LS']);

export function trimPod(raw: unknown): PodObject {
  const o = raw as any;
  const sum = (list: any[] | undefined, r: 'cpu' | 'memory') =>
    (list ?? []).reduce(
      (s: number, c: any) => s + quantity(c?.resources?.requests?.[r], r === 'cpu' ? parseCpu : parseMemory),
      0,
    );
  const initMax = (r: 'cpu' | 'memory') =>
    Math.max(
      0,
      ...(o.spec?.initContainers ?? []).map((c: any) =>
        quantity(c?.resources?.requests?.[r], r === 'cpu' ? parseCpu : parseMemory),
      ),
    );
  const statuses = new Map<string, any>(
    (o.status?.containerStatuses ?? []).map((c: any) => [c?.name, c] as [string, any]),
  );
  const inits = (o.spec?.initContainers ?? []) as any[];
  const initResources = inits.some((c) => c?.resources?.requests || c?.resources?.limits)
    ? inits.map((c) => resourcesOf(c?.resources))
    : undefined;
  const pending = condition(o, 'PodResizePending');
  const inProgress = condition(o, 'PodResizeInProgress');
  const workload = workloadOf(o);
  return {
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      resourceVersion: o.metadata.resourceVersion,
      ...(o.metadata.uid ? { uid: o.metadata.uid } : {}),
      ...(typeof o.metadata.generation === 'number' ? { generation: o.metadata.generation } : {}),
    },
    nodeName: o.spec?.nodeName,
    phase: o.status?.phase,
    cpuRequest: Math.max(sum(o.spec?.containers, 'cpu'), initMax('cpu')),
    memoryRequest: Math.max(sum(o.spec?.containers, 'memory'), initMax('memory')),
    containers: ((o.spec?.containers ?? []) as any[]).map((c) => containerState(c, statuses.get(c?.name))),
    ...(initResources ? { initResources } : {}),
    ...(pending ? { resizePending: pending } : {}),
    ...(inProgress ? { resizeInProgress: inProgress } : {}),
    ...(workload ? { workload } : {}),
    ...(LATENCY_CLASSES.has(o.metadata.labels?.['koordinator.sh/qosClass']) ? { latencyClass: true } : {}),
    qosClass: o.status?.qosClass,
    priority: typeof o.spec?.priority === 'number' ? o.spec.priority : 0,
    controller: (o.metadata.ownerReferences ?? []).find((r: any) => r?.controller)?.kind,
    mirror: !!o.metadata.annotations?.['kubernetes.io/config.mirror'],
    localStorage: (o.spec?.volumes ?? []).some(
      (v: any) => v?.hostPath || (v?.emptyDir && v.emptyDir.medium !== 'Memory'),
    ),
    guardian: o.metadata.labels?.[GUARDIAN_POD_LABEL.key] === GUARDIAN_POD_LABEL.value,
    terminating: !!o.metadata.deletionTimestamp,
    unschedulable:
      o.status?.phase === 'Pending' &&
      (o.status?.conditions ?? []).some(
        (c: any) => c?.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
      ),
  };
}

/** CPU and memory of a `resources` block (limits default the requests, as the API server does). */
export function resourcesOf(r: any): Resources {
  const out: Resources = {};
  const set = (k: keyof Resources, v: unknown, parse: (q: string | number) => number) => {
    if (v !== undefined && v !== null) out[k] = quantity(v, parse);
  };
  set('cpuRequest', r?.requests?.cpu ?? r?.limits?.cpu, parseCpu);
  set('cpuLimit', r?.limits?.cpu, parseCpu);
  set('memoryRequest', r?.requests?.memory ?? r?.limits?.memory, parseMemory);
  set('memoryLimit', r?.limits?.memory, parseMemory);
  return out;
}

const KEYS = ['cpuRequest', 'cpuLimit', 'memoryRequest', 'memoryLimit'] as const;

export function sameResources(a: Resources, b: Resources): boolean {
  return KEYS.every((k) => a[k] === b[k]);
}

function containerState(c: any, status: any): ContainerState {
  const spec = resourcesOf(c?.resources);
  const out: ContainerState = {
    name: c?.name,
    ...spec,
    limitsMap: !!c?.resources?.limits,
    requestsMap: !!c?.resources?.requests,
  };
  for (const p of c?.resizePolicy ?? [])
    if (p?.restartPolicy === 'RestartContainer') {
      if (p.resourceName === 'cpu') out.restartOnCpu = true;
      if (p.resourceName === 'memory') out.restartOnMemory = true;
    }
  if (status?.state?.running) out.running = true;
  const last = status?.lastState?.terminated;
  if (last?.reason === 'OOMKilled' && last.finishedAt) {
    const t = Date.parse(last.finishedAt);
    if (Number.isFinite(t)) out.oomAt = Math.floor(t / 1000);
  }
  if (status?.resources) {
    out.reported = true;
    const applied = resourcesOf(status.resources);
    if (!sameResources(applied, spec)) out.applied = applied;
  }
  return out;
}

function condition(o: any, type: string): ResizeCondition | undefined {
  const c = (o.status?.conditions ?? []).find((x: any) => x?.type === type && x.status === 'True');
  if (!c) return undefined;
  return {
    reason: c.reason ?? '',
    ...(c.message ? { message: String(c.message).slice(0, 300) } : {}),
    ...(typeof c.observedGeneration === 'number' ? { observedGeneration: c.observedGeneration } : {}),
  };
}

/**
 * The workload a pod belongs to: a ReplicaSet named `<deployment>-<pod-template-hash>` is a
 * Deployment's; StatefulSets, DaemonSets and Jobs own their pods directly.
 */
function workloadOf(o: any): string | undefined {
  const ref = (o.metadata.ownerReferences ?? []).find((r: any) => r?.controller);
  if (!ref?.kind || !ref.name) return undefined;
  const hash = o.metadata.labels?.['pod-template-hash'];
  if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`))
    return `Deployment/${ref.name.slice(0, -hash.length - 1)}`;
  return `${ref.kind}/${ref.name}`;
}

function pick(o: Record<string, string>, keep: (k: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => keep(k)));
}
