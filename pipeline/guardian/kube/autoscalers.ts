/**
 * What the guardian keeps of HPAs and of the objects that own them (KEDA ScaledObjects, Crane
 * EffectiveHorizontalPodAutoscalers), and the one write it makes to them: `maxReplicas`. An owned
 * HPA is rewritten by its owner on every reconcile, so the ceiling is raised on the owner — a
 * direct patch would be reverted within seconds and the incident would look handled when it is not.
 */
import type { KubeApi } from './api.js';
import { journalAnnotationOps } from './journal-annotation.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ScaleMeta {
  name: string;
  namespace: string;
  resourceVersion?: string;
  /** tidemark.io/ annotations, and the GitOps tracking ones. */
  annotations: Record<string, string>;
  labels: Record<string, string>;
  annotated: boolean;
}

export interface HpaObject {
  metadata: ScaleMeta & { owner?: { kind: string; name: string; apiVersion: string } };
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas: number;
  /** Utilization metrics: current and target average utilization (percent). */
  utilization: { metric: string; current?: number; target: number }[];
  /** The HPA controller's own word: ScalingLimited=True because desired > max. */
  limited: boolean;
}

/** A KEDA ScaledObject or a Crane EHPA: the owner whose ceiling the HPA copies. */
export interface ScaleOwnerObject {
  kind: OwnerKind;
  metadata: ScaleMeta;
  maxReplicas?: number;
}

export type OwnerKind = 'ScaledObject' | 'EffectiveHorizontalPodAutoscaler';

export const OWNER_KINDS: Record<
  OwnerKind,
  { group: string; version: string; resource: string; field: string; hpaPrefix: string }
> = {
  ScaledObject: {
    group: 'keda.sh',
    version: 'v1alpha1',
    resource: 'scaledobjects',
    field: 'maxReplicaCount',
    hpaPrefix: 'keda-hpa-',
  },
  EffectiveHorizontalPodAutoscaler: {
    group: 'autoscaling.crane.io',
    version: 'v1alpha1',
    resource: 'effectivehorizontalpodautoscalers',
    field: 'maxReplicas',
    hpaPrefix: 'ehpa-',
  },
};

export const HPA_PATH = '/apis/autoscaling/v2/horizontalpodautoscalers';
export const ownerPath = (k: OwnerKind): string =>
  `/apis/${OWNER_KINDS[k].group}/${OWNER_KINDS[k].version}/${OWNER_KINDS[k].resource}`;

const TRACKING = ['argocd.argoproj.io/tracking-id'];
const TRACKING_LABELS = [
  'app.kubernetes.io/instance',
  'kustomize.toolkit.fluxcd.io/name',
  'kustomize.toolkit.fluxcd.io/namespace',
];

function meta(o: any): ScaleMeta {
  const a: Record<string, string> = o.metadata.annotations ?? {};
  const l: Record<string, string> = o.metadata.labels ?? {};
  return {
    name: o.metadata.name,
    namespace: o.metadata.namespace,
    resourceVersion: o.metadata.resourceVersion,
    annotations: Object.fromEntries(
      Object.entries(a).filter(([k]) => k.startsWith('tidemark.io/') || TRACKING.includes(k)),
    ),
    labels: Object.fromEntries(Object.entries(l).filter(([k]) => TRACKING_LABELS.includes(k))),
    annotated: Object.keys(a).length > 0,
  };
}

export function trimHpa(raw: unknown): HpaObject {
  const o = raw as any;
  const owner = (o.metadata.ownerReferences ?? []).find((r: any) => r?.controller);
  const current = new Map<string, number | undefined>();
  for (const m of o.status?.currentMetrics ?? []) {
    const r = m?.resource ?? m?.containerResource;
    if (r) current.set(metricName(m.type, r), r.current?.averageUtilization);
  }
  const utilization: HpaObject['utilization'] = [];
  for (const m of o.spec?.metrics ?? []) {
    const r = m?.resource ?? m?.containerResource;
    const target = r?.target?.averageUtilization;
    if (typeof target !== 'number') continue;
    const metric = metricName(m.type, r);
    utilization.push({ metric, current: current.get(metric), target });
  }
  return {
    metadata: {
      ...meta(o),
      ...(owner ? { owner: { kind: owner.kind, name: owner.name, apiVersion: owner.apiVersion } } : {}),
    },
    minReplicas: o.spec?.minReplicas ?? 1,
    maxReplicas: o.spec?.maxReplicas ?? 0,
    currentReplicas: o.status?.currentReplicas ?? 0,
    desiredReplicas: o.status?.desiredReplicas ?? 0,
    utilization,
    limited: (o.status?.conditions ?? []).some(
      (c: any) => c?.type === 'ScalingLimited' && c.status === 'True' && c.reason === 'TooManyReplicas',
    ),
  };
}

function metricName(type: string, r: any): string {
  return type === 'ContainerResource' ? `${r.container}/${r.name}` : String(r.name);
}

export function ownerTrimmer(kind: OwnerKind): (raw: unknown) => ScaleOwnerObject {
  const field = OWNER_KINDS[kind].field;
  return (raw) => {
    const o = raw as any;
    const v = o.spec?.[field];
    return { kind, metadata: meta(o), ...(typeof v === 'number' ? { maxReplicas: v } : {}) };
  };
}

/** Whether the API group is served (the CRD installed): an owner informer runs only then. */
export async function served(api: KubeApi, kind: OwnerKind): Promise<boolean> {
  const k = OWNER_KINDS[kind];
  const list = await api.get<{ resources?: { name: string }[] }>(`/apis/${k.group}/${k.version}`);
  return !!list?.resources?.some((r) => r.name === k.resource);
}

/**
 * Sets the ceiling if it is still `from` (a JSON-patch `test` on the value itself: the HPA's status
 * changes every sync, its ceiling does not), with the journal entry as an annotation — or removes
 * the annotation when `entry` is undefined (a restore).
 */
export async function setMaxReplicas(
  api: KubeApi,
  target: { kind: 'HorizontalPodAutoscaler' | OwnerKind; metadata: ScaleMeta },
  from: number,
  to: number,
  entry: string | undefined,
): Promise<void> {
  const m = target.metadata;
  const { group, version, resource, field } =
    target.kind === 'HorizontalPodAutoscaler'
      ? { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', field: 'maxReplicas' }
      : OWNER_KINDS[target.kind];
  const path = `/apis/${group}/${version}/namespaces/${m.namespace}/${resource}/${m.name}`;
  const ops: unknown[] = [
    { op: 'test', path: `/spec/${field}`, value: from },
    { op: 'replace', path: `/spec/${field}`, value: to },
  ];
  ops.push(...journalAnnotationOps(m, entry));
  await api.send('PATCH', path, ops, 'application/json-patch+json');
}
