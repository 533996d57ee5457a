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

export interface PodObject {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  nodeName?: string;
  phase?: string;
  /** Millicores the scheduler counts for it. */
  cpuRequest: number;
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

export function trimPod(raw: unknown): PodObject {
  const o = raw as any;
  const sum = (list: any[] | undefined) =>
    (list ?? []).reduce((s: number, c: any) => s + quantity(c?.resources?.requests?.cpu), 0);
  const init = Math.max(
    0,
    ...(o.spec?.initContainers ?? []).map((c: any) => quantity(c?.resources?.requests?.cpu)),
  );
  return {
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      resourceVersion: o.metadata.resourceVersion,
    },
    nodeName: o.spec?.nodeName,
    phase: o.status?.phase,
    cpuRequest: Math.max(sum(o.spec?.containers), init),
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

function pick(o: Record<string, string>, keep: (k: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => keep(k)));
}
