/**
 * Builds the ClusterModel from a Kubernetes inventory. Pure: no I/O. Pods are resolved to their
 * workload through owner references (Pod → ReplicaSet → Deployment; Pod → Job → CronJob).
 */
import { parseCpu, parseMemory, parseQuantity } from '../../core/quantity.js';
import type {
  KubeObject,
  KubernetesInventory,
  OomEvent,
  SampleCeiling,
  UsageRequest,
  UsageWindow,
} from '../../collect/types.js';
import {
  workloadKey,
  type ClusterModel,
  type GenericObjectModel,
  type HpaModel,
  type LimitRangeModel,
  type NodeModel,
  type PdbModel,
  type PodModel,
  type ResourceQuotaModel,
  type VpaModel,
  type WorkloadKey,
  type WorkloadKind,
  type WorkloadModel,
} from '../types.js';
import { podSpecContainers, volumesOf, tolerationsOf, parseResources } from './containers.js';
import { selectorMatches } from './selector.js';
import { gitopsTracking as tracking } from '../gitops-tracking.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const WORKLOAD_KINDS = new Set<string>([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
]);

export function buildClusterModel(
  inventory: KubernetesInventory,
  opts: { cluster: string; at: number },
): ClusterModel {
  const where = (o: KubeObject): { object: string; file?: string } => ({
    object: `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`,
    file: inventory.origins?.get(o)?.file,
  });
  const model: ClusterModel = {
    cluster: opts.cluster,
    at: opts.at,
    version: inventory.facts.version,
    metricsApiAvailable: inventory.facts.metricsApiAvailable,
    installedKinds: inventory.facts.installedKinds ?? [],
    namespaces: new Map(),
    nodes: new Map(),
    workloads: new Map(),
    pods: new Map(),
    hpas: [],
    pdbs: [],
    vpas: [],
    limitRanges: [],
    resourceQuotas: [],
    others: new Map(),
    usage: new Map(),
    ooms: [],
    history: [],
  };

  const byKind = new Map<string, KubeObject[]>();
  for (const o of inventory.objects) {
    const list = byKind.get(o.kind) ?? [];
    list.push(o);
    byKind.set(o.kind, list);
  }
  const get = (kind: string): KubeObject[] => byKind.get(kind) ?? [];

  for (const ns of get('Namespace')) {
    model.namespaces.set(ns.metadata.name, {
      name: ns.metadata.name,
      labels: ns.metadata.labels ?? {},
      annotations: ns.metadata.annotations ?? {},
    });
  }
  for (const n of get('Node')) model.nodes.set(n.metadata.name, nodeModel(n, where(n)));

  // Workloads. A ReplicaSet owned by a Deployment is not a workload of its own.
  const rsOwner = new Map<string, WorkloadKey>();
  const jobOwner = new Map<string, WorkloadKey>();
  for (const kind of WORKLOAD_KINDS) {
    for (const o of get(kind)) {
      const ns = o.metadata.namespace ?? 'default';
      const controller = controllerOf(o);
      if (kind === 'ReplicaSet' && controller?.kind === 'Deployment') {
        rsOwner.set(`${ns}/${o.metadata.name}`, workloadKey('Deployment', ns, controller.name));
        continue;
      }
      if (kind === 'Job' && controller?.kind === 'CronJob') {
        jobOwner.set(`${ns}/${o.metadata.name}`, workloadKey('CronJob', ns, controller.name));
        continue;
      }
      const w = workloadModel(o, kind as WorkloadKind, where(o));
      model.workloads.set(w.key, w);
    }
  }
  if (!get('ReplicaSet').length) {
    // Snapshots without ReplicaSets: fall back to the pod-template-hash naming convention.
    for (const w of model.workloads.values())
      if (w.kind === 'Deployment') rsOwner.set(`${w.namespace}/~${w.name}`, w.key);
  }

  for (const p of get('Pod')) {
    const pod = podModel(p, where(p));
    const c = controllerOf(p);
    let wl: WorkloadKey | undefined;
    if (c?.kind === 'ReplicaSet')
      wl =
        rsOwner.get(`${pod.namespace}/${c.name}`) ??
        byName(model, 'ReplicaSet', pod.namespace, c.name) ??
        guessDeployment(model, pod.namespace, c.name);
    else if (c?.kind === 'Job')
      wl = jobOwner.get(`${pod.namespace}/${c.name}`) ?? byName(model, 'Job', pod.namespace, c.name);
    else if (c && WORKLOAD_KINDS.has(c.kind)) wl = byName(model, c.kind, pod.namespace, c.name);
    pod.workload = wl;
    pod.ownerKind = c?.kind;
    pod.isDaemonSet = c?.kind === 'DaemonSet';
    model.pods.set(`${pod.namespace}/${pod.name}`, pod);
    if (wl) model.workloads.get(wl)?.podNames.push(pod.name);
    for (const s of pod.statuses) {
      if (s.lastTerminationReason === 'OOMKilled' && s.lastTerminatedAt) {
        const oom: OomEvent = {
          namespace: pod.namespace,
          pod: pod.name,
          container: s.name,
          time: s.lastTerminatedAt,
          limitBytes: s.memoryLimit,
          source: 'snapshot',
        };
        model.ooms.push(oom);
      }
    }
  }

  for (const h of get('HorizontalPodAutoscaler')) model.hpas.push(hpaModel(h, model));
  // Grouped by namespace once: thousands of PDBs × every workload is minutes on a big cluster.
  const workloadsByNamespace = new Map<string, WorkloadModel[]>();
  for (const w of model.workloads.values()) {
    const list = workloadsByNamespace.get(w.namespace) ?? [];
    list.push(w);
    workloadsByNamespace.set(w.namespace, list);
  }
  for (const p of get('PodDisruptionBudget')) model.pdbs.push(pdbModel(p, workloadsByNamespace));
  for (const v of get('VerticalPodAutoscaler')) {
    const spec = v.spec as any;
    const ns = v.metadata.namespace ?? 'default';
    const target = { kind: String(spec?.targetRef?.kind ?? ''), name: String(spec?.targetRef?.name ?? '') };
    const vpa: VpaModel = {
      namespace: ns,
      name: v.metadata.name,
      target,
      workload: byName(model, target.kind, ns, target.name),
      updateMode: String(spec?.updatePolicy?.updateMode ?? 'Auto'),
    };
    model.vpas.push(vpa);
  }
  for (const l of get('LimitRange')) model.limitRanges.push(limitRangeModel(l, where(l)));
  for (const q of get('ResourceQuota')) model.resourceQuotas.push(quotaModel(q));

  const known = new Set([
    'Namespace',
    'Node',
    'Pod',
    'HorizontalPodAutoscaler',
    'PodDisruptionBudget',
    'VerticalPodAutoscaler',
    'LimitRange',
    'ResourceQuota',
    ...WORKLOAD_KINDS,
  ]);
  for (const o of inventory.objects) {
    if (known.has(o.kind)) continue;
    const key = `${groupOf(o.apiVersion)}/${o.kind}`;
    const list = model.others.get(key) ?? [];
    list.push(genericModel(o));
    model.others.set(key, list);
  }
  // Objects that own an HPA (KEDA ScaledObject, Crane EHPA) are found through ownerReferences.
  for (const h of model.hpas) {
    const raw = get('HorizontalPodAutoscaler').find(
      (o) => o.metadata.name === h.name && (o.metadata.namespace ?? 'default') === h.namespace,
    );
    const owner = raw ? controllerOf(raw) : undefined;
    if (owner)
      h.ownedBy = {
        apiVersion: owner.apiVersion,
        kind: owner.kind,
        namespace: h.namespace,
        name: owner.name,
      };
  }
  return model;
}

/**
 * Every container instance of every pod that belongs to a workload: what to read usage for, each
 * with its node's capacity, the most a sample of it can be (collect/sample-check.ts).
 */
export function usageRequestFor(model: ClusterModel, window: UsageWindow): UsageRequest {
  const ceilings = new Map<string, SampleCeiling>();
  let largest: SampleCeiling | undefined;
  for (const n of model.nodes.values()) {
    const { cpu, memory } = n.capacity;
    if (cpu === undefined || memory === undefined) continue;
    const c: SampleCeiling = { cpuCores: cpu / 1000, memoryBytes: memory, node: n.name };
    ceilings.set(n.name, c);
    largest = {
      cpuCores: Math.max(largest?.cpuCores ?? 0, c.cpuCores),
      memoryBytes: Math.max(largest?.memoryBytes ?? 0, c.memoryBytes),
    };
  }
  const containers: UsageRequest['containers'] = [];
  for (const p of model.pods.values()) {
    if (!p.workload) continue;
    const ceiling = p.nodeName ? ceilings.get(p.nodeName) : undefined;
    for (const c of [...p.containers, ...p.initContainers])
      containers.push({
        namespace: p.namespace,
        pod: p.name,
        container: c.name,
        ...(ceiling ? { ceiling } : {}),
      });
  }
  return { window, containers, ...(largest ? { ceiling: largest } : {}) };
}

/**
 * The workload a pod belongs to. Pods that no longer exist (replaced during the window) are
 * matched by their ReplicaSet-hash naming to the live Deployment, so their history counts.
 */
export function podWorkload(model: ClusterModel, namespace: string, pod: string): WorkloadKey | undefined {
  const live = model.pods.get(`${namespace}/${pod}`);
  if (live) return live.workload;
  return nameIndex(model).get(`${namespace}/${podBase(pod)}`);
}

const nameIndexes = new WeakMap<ClusterModel, Map<string, WorkloadKey>>();
function nameIndex(model: ClusterModel): Map<string, WorkloadKey> {
  let idx = nameIndexes.get(model);
  if (!idx) {
    idx = new Map();
    for (const w of model.workloads.values())
      if (w.kind !== 'Job' && w.kind !== 'CronJob') idx.set(`${w.namespace}/${w.name}`, w.key);
    nameIndexes.set(model, idx);
  }
  return idx;
}

/** "web-7d9f8c6b5-x2k4q" → "web"; "db-0" → "db"; "agent-abcde" → "agent". */
export function podBase(pod: string): string {
  const sts = /^(.+)-\d+$/.exec(pod);
  const rs = /^(.+)-[a-z0-9]{6,10}-[a-z0-9]{5}$/.exec(pod);
  if (rs) return rs[1]!;
  const ds = /^(.+)-[a-z0-9]{5}$/.exec(pod);
  if (sts) return sts[1]!;
  if (ds) return ds[1]!;
  return pod;
}

function controllerOf(o: KubeObject): { apiVersion: string; kind: string; name: string } | undefined {
  const refs = o.metadata.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

function byName(model: ClusterModel, kind: string, ns: string, name: string): WorkloadKey | undefined {
  const key = workloadKey(kind, ns, name);
  return model.workloads.has(key) ? key : undefined;
}

function guessDeployment(model: ClusterModel, ns: string, rsName: string): WorkloadKey | undefined {
  const m = /^(.+)-[a-z0-9]{6,10}$/.exec(rsName);
  return m ? byName(model, 'Deployment', ns, m[1]!) : undefined;
}

function workloadModel(
  o: KubeObject,
  kind: WorkloadKind,
  w: { object: string; file?: string },
): WorkloadModel {
  const ns = o.metadata.namespace ?? 'default';
  const spec = (o.spec ?? {}) as any;
  const podSpecPath = kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : spec?.template;
  const tSpec = podSpecPath?.spec ?? {};
  const fieldBase = kind === 'CronJob' ? 'spec.jobTemplate.spec.template.spec' : 'spec.template.spec';
  const { containers, initContainers } = podSpecContainers(tSpec, { ...w, field: fieldBase });
  const status = (o.status ?? {}) as any;
  return {
    key: workloadKey(kind, ns, o.metadata.name),
    apiVersion: o.apiVersion,
    kind,
    namespace: ns,
    name: o.metadata.name,
    uid: o.metadata.uid,
    labels: o.metadata.labels ?? {},
    annotations: o.metadata.annotations ?? {},
    createdAt: time(o.metadata.creationTimestamp),
    generation: o.metadata.generation,
    replicas:
      typeof spec.replicas === 'number'
        ? spec.replicas
        : kind === 'Deployment' || kind === 'StatefulSet' || kind === 'ReplicaSet'
          ? 1
          : undefined,
    readyReplicas: typeof status.readyReplicas === 'number' ? status.readyReplicas : undefined,
    template: {
      labels: podSpecPath?.metadata?.labels ?? {},
      annotations: podSpecPath?.metadata?.annotations ?? {},
      containers,
      initContainers,
      nodeSelector: tSpec.nodeSelector ?? {},
      affinity: tSpec.affinity,
      tolerations: tolerationsOf(tSpec),
      topologySpreadConstraints: tSpec.topologySpreadConstraints,
      volumes: volumesOf(tSpec),
      priorityClassName: tSpec.priorityClassName,
      hostNetwork: tSpec.hostNetwork === true || undefined,
      hostPID: tSpec.hostPID === true || undefined,
      serviceAccountName: tSpec.serviceAccountName,
      readinessGates: (tSpec.readinessGates ?? []).map((g: any) => String(g?.conditionType)),
    },
    podNames: [],
    gitops: tracking(o),
    maxSurge:
      kind === 'Deployment' ? surgeOf(spec, typeof spec.replicas === 'number' ? spec.replicas : 1) : 0,
  };
}

function surgeOf(spec: any, replicas: number): number {
  if (spec?.strategy?.type === 'Recreate') return 0;
  const s = spec?.strategy?.rollingUpdate?.maxSurge ?? '25%';
  if (typeof s === 'number') return s;
  const m = /^(\d+)%$/.exec(String(s));
  return m ? Math.ceil((replicas * Number(m[1])) / 100) : Number(s) || 0;
}

function podModel(o: KubeObject, w: { object: string; file?: string }): PodModel {
  const spec = (o.spec ?? {}) as any;
  const status = (o.status ?? {}) as any;
  const { containers, initContainers } = podSpecContainers(spec, { ...w, field: 'spec' });
  const limitOf = (name: string): number | undefined =>
    [...containers, ...initContainers].find((c) => c.name === name)?.limits.memory;
  const statuses = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].map(
    (s: any) => ({
      name: String(s?.name ?? ''),
      ready: s?.ready === true,
      restartCount: Number(s?.restartCount ?? 0),
      lastTerminationReason: s?.lastState?.terminated?.reason,
      lastTerminatedAt: time(s?.lastState?.terminated?.finishedAt),
      memoryLimit: limitOf(String(s?.name ?? '')),
    }),
  );
  const annotations = o.metadata.annotations ?? {};
  return {
    namespace: o.metadata.namespace ?? 'default',
    name: o.metadata.name,
    uid: o.metadata.uid,
    nodeName: spec.nodeName,
    phase: status.phase,
    qosClass: status.qosClass,
    priority: typeof spec.priority === 'number' ? spec.priority : undefined,
    priorityClassName: spec.priorityClassName,
    labels: o.metadata.labels ?? {},
    annotations,
    startedAt: time(status.startTime),
    ready: (status.conditions ?? []).some((c: any) => c?.type === 'Ready' && c?.status === 'True'),
    containers,
    initContainers,
    statuses,
    volumes: volumesOf(spec),
    nodeSelector: spec.nodeSelector ?? {},
    affinity: spec.affinity,
    tolerations: tolerationsOf(spec),
    topologySpreadConstraints: spec.topologySpreadConstraints,
    hostNetwork: spec.hostNetwork === true || undefined,
    readinessGates: Array.isArray(spec.readinessGates)
      ? spec.readinessGates.map((g: any) => String(g?.conditionType ?? ''))
      : undefined,
    terminating: o.metadata.deletionTimestamp ? true : undefined,
    isMirror: !!annotations['kubernetes.io/config.mirror'],
    isDaemonSet: false,
  };
}

function nodeModel(o: KubeObject, w: { object: string; file?: string }): NodeModel {
  const spec = (o.spec ?? {}) as any;
  const status = (o.status ?? {}) as any;
  const labels = o.metadata.labels ?? {};
  const res = (r: any, field: string): NodeModel['capacity'] => ({
    ...parseResources(r, { ...w, field }).values,
    pods: r?.pods !== undefined ? Number(parseQuantity(r.pods)) : undefined,
  });
  const conditions: Record<string, string> = {};
  for (const c of status.conditions ?? []) conditions[String(c?.type)] = String(c?.status);
  return {
    name: o.metadata.name,
    labels,
    annotations: o.metadata.annotations ?? {},
    taints: (spec.taints ?? []).map((t: any) => ({
      key: String(t?.key),
      value: t?.value,
      effect: String(t?.effect),
    })),
    unschedulable: spec.unschedulable === true,
    capacity: res(status.capacity, 'status.capacity'),
    allocatable: res(status.allocatable ?? status.capacity, 'status.allocatable'),
    conditions,
    createdAt: time(o.metadata.creationTimestamp),
    virtual:
      labels.type === 'virtual-kubelet' ||
      labels['node.kubernetes.io/instance-type'] === 'eklet' ||
      labels['eks.amazonaws.com/compute-type'] === 'fargate' ||
      labels['kubernetes.azure.com/role'] === 'virtual-kubelet' ||
      /virtual-kubelet/.test(labels['kubernetes.io/role'] ?? ''),
  };
}

function hpaModel(o: KubeObject, model: ClusterModel): HpaModel {
  const spec = (o.spec ?? {}) as any;
  const status = (o.status ?? {}) as any;
  const ns = o.metadata.namespace ?? 'default';
  const target = {
    apiVersion: spec?.scaleTargetRef?.apiVersion,
    kind: String(spec?.scaleTargetRef?.kind ?? ''),
    name: String(spec?.scaleTargetRef?.name ?? ''),
  };
  return {
    namespace: ns,
    name: o.metadata.name,
    target,
    workload: byName(model, target.kind, ns, target.name),
    minReplicas: typeof spec.minReplicas === 'number' ? spec.minReplicas : 1,
    maxReplicas: Number(spec.maxReplicas ?? 1),
    metrics: (spec.metrics ?? []).map((m: any) => {
      const r = m?.resource ?? m?.containerResource;
      return {
        type: String(m?.type ?? ''),
        resource: r?.name,
        container: m?.containerResource?.container,
        targetType: r?.target?.type,
        averageUtilization: r?.target?.averageUtilization,
        averageValue: r?.target?.averageValue !== undefined ? String(r.target.averageValue) : undefined,
        raw: m,
      };
    }),
    behavior: spec.behavior,
    currentReplicas: status.currentReplicas,
    desiredReplicas: status.desiredReplicas,
    labels: o.metadata.labels ?? {},
    annotations: o.metadata.annotations ?? {},
    gitops: tracking(o),
  };
}

function pdbModel(o: KubeObject, byNamespace: Map<string, WorkloadModel[]>): PdbModel {
  const spec = (o.spec ?? {}) as any;
  const status = (o.status ?? {}) as any;
  const ns = o.metadata.namespace ?? 'default';
  const workloads = (byNamespace.get(ns) ?? [])
    .filter((w) => spec.selector && selectorMatches(spec.selector, w.template.labels))
    .map((w) => w.key);
  return {
    namespace: ns,
    name: o.metadata.name,
    selector: spec.selector,
    minAvailable: spec.minAvailable,
    maxUnavailable: spec.maxUnavailable,
    disruptionsAllowed: status.disruptionsAllowed,
    currentHealthy: status.currentHealthy,
    desiredHealthy: status.desiredHealthy,
    expectedPods: status.expectedPods,
    workloads,
  };
}

function limitRangeModel(o: KubeObject, w: { object: string; file?: string }): LimitRangeModel {
  const items = (((o.spec ?? {}) as any).limits ?? []).map((l: any, i: number) => {
    const f = `spec.limits[${i}]`;
    const ratio: { cpu?: number; memory?: number } = {};
    for (const k of ['cpu', 'memory'] as const)
      if (l?.maxLimitRequestRatio?.[k] !== undefined) ratio[k] = parseQuantity(l.maxLimitRequestRatio[k]);
    return {
      type: String(l?.type ?? 'Container'),
      min: parseResources(l?.min, { ...w, field: `${f}.min` }).values,
      max: parseResources(l?.max, { ...w, field: `${f}.max` }).values,
      defaultLimit: parseResources(l?.default, { ...w, field: `${f}.default` }).values,
      defaultRequest: parseResources(l?.defaultRequest, { ...w, field: `${f}.defaultRequest` }).values,
      maxLimitRequestRatio: ratio,
    };
  });
  return { namespace: o.metadata.namespace ?? 'default', name: o.metadata.name, items };
}

function quotaModel(o: KubeObject): ResourceQuotaModel {
  const conv = (m: Record<string, unknown> | undefined): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(m ?? {})) {
      try {
        out[k] = /cpu/.test(k)
          ? parseCpu(v as string)
          : /memory/.test(k)
            ? parseMemory(v as string)
            : parseQuantity(v as string);
      } catch {
        /* quota keys we do not use (e.g. count/...) may hold odd values */
      }
    }
    return out;
  };
  return {
    namespace: o.metadata.namespace ?? 'default',
    name: o.metadata.name,
    hard: conv(((o.spec ?? {}) as any).hard),
    used: conv(((o.status ?? {}) as any).used),
  };
}

function genericModel(o: KubeObject): GenericObjectModel {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    labels: o.metadata.labels ?? {},
    annotations: o.metadata.annotations ?? {},
    spec: o.spec,
    status: o.status,
    ...((o as { data?: Record<string, string> }).data
      ? { data: (o as { data?: Record<string, string> }).data }
      : {}),
  };
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}

function time(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.floor(t / 1000) : undefined;
}
