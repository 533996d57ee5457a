/**
 * A ConfigMap the guardian steers (Koordinator's slo-controller-config, TKE's eks-config): the
 * metadata it keeps from the watch, and the one write it makes — the data change guarded by the
 * resourceVersion it read, with its journal annotation set or removed in the same PATCH.
 */
import type { KubeApi } from './api.js';
import { journalAnnotationOps, pointer } from './journal-annotation.js';

export interface WatchedConfigMapMeta {
  name: string;
  namespace: string;
  resourceVersion?: string;
  /** Only Tidemark's own annotations are kept. */
  annotations: Record<string, string>;
  /** Whether the object has any annotations at all (an `add` into the map, or of the map). */
  annotated: boolean;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function trimConfigMapMeta(raw: unknown): WatchedConfigMapMeta {
  const o = raw as any;
  const a: Record<string, string> = o.metadata.annotations ?? {};
  return {
    name: o.metadata.name,
    namespace: o.metadata.namespace,
    resourceVersion: o.metadata.resourceVersion,
    annotations: Object.fromEntries(Object.entries(a).filter(([k]) => k.startsWith('tidemark.io/'))),
    annotated: Object.keys(a).length > 0,
  };
}

/** JSON Pointer escaping of one key. */
export { pointer };

/** `dataOps` if the ConfigMap is still the one read, with the journal annotation (or its removal). */
export async function patchWatchedConfigMap(
  api: KubeApi,
  m: WatchedConfigMapMeta,
  dataOps: unknown[],
  annotation: string | undefined,
): Promise<void> {
  const ops: unknown[] = [
    { op: 'test', path: '/metadata/resourceVersion', value: m.resourceVersion },
    ...dataOps,
  ];
  ops.push(...journalAnnotationOps(m, annotation));
  await api.send(
    'PATCH',
    `/api/v1/namespaces/${m.namespace}/configmaps/${m.name}`,
    ops,
    'application/json-patch+json',
  );
}
