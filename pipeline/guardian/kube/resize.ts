/**
 * In-place pod resize through the `pods/resize` subresource (beta and on by default from
 * Kubernetes 1.33, stable in 1.35): whether the cluster serves it, and the one call that changes
 * one resource of one container. The call is a JSON patch that `test`s the pod's UID and the
 * container's name at its index first, so a pod recreated under the same name (a StatefulSet's)
 * or a reordered spec makes the API server refuse it (422) rather than resize the wrong thing.
 * The API server itself refuses a change of QoS class, a limit below its request, and anything
 * but CPU and memory; the kubelet then answers in the pod's status (resize-status.ts).
 */
import type { KubeApi } from './api.js';
import { pointer } from './journal-annotation.js';
import type { RevisionValues } from './journal.js';

export type ResizeSupport = { ok: true; version: string } | { ok: false; why: string };

export interface VersionInfo {
  major?: string;
  minor?: string;
  gitVersion?: string;
}

/** Why `/version` rules in-place resize out (older than 1.33, or unreadable), if it does. */
export function tooOldForResize(v: VersionInfo | undefined): string | undefined {
  const version = v?.gitVersion ?? `${v?.major ?? '?'}.${v?.minor ?? '?'}`;
  const major = Number.parseInt(v?.major ?? '', 10);
  const minor = Number.parseInt(v?.minor ?? '', 10); // "34+" on some providers
  if (major > 1 || (major === 1 && minor >= 33)) return undefined;
  return `Kubernetes ${version}: in-place resize needs 1.33 or newer`;
}

/** From `/version` and the core group's discovery: 1.33 or newer, and `pods/resize` listed. */
export async function resizeSupport(api: KubeApi): Promise<ResizeSupport> {
  const v = await api.get<VersionInfo>('/version');
  const version = v?.gitVersion ?? `${v?.major ?? '?'}.${v?.minor ?? '?'}`;
  const old = tooOldForResize(v);
  if (old) return { ok: false, why: old };
  const core = await api.get<{ resources?: { name: string; verbs?: string[] }[] }>('/api/v1');
  const resize = core?.resources?.find((r) => r.name === 'pods/resize');
  if (!resize?.verbs?.includes('patch'))
    return {
      ok: false,
      why: `Kubernetes ${version} does not serve pods/resize (the InPlacePodVerticalScaling feature gate is off)`,
    };
  return { ok: true, version };
}

export interface ResizeCall {
  namespace: string;
  name: string;
  uid: string;
  /** The container's index in spec.containers, and its name there. */
  index: number;
  container: string;
  resource: 'cpu' | 'memory';
  /** The values to write (a role left out is not touched). */
  values: RevisionValues;
  /** Whether the container's resources.limits / .requests maps exist. */
  limitsMap: boolean;
  requestsMap: boolean;
}

/**
 * PATCH pods/{name}/resize; `dryRun`: the API server validates and admits it and stores nothing.
 * Returns the pod's generation after the call (what the kubelet's conditions will answer).
 */
export async function resizeContainer(
  api: KubeApi,
  c: ResizeCall,
  dryRun = false,
): Promise<{ generation?: number }> {
  const base = `/spec/containers/${c.index}/resources`;
  const ops: unknown[] = [
    { op: 'test', path: '/metadata/uid', value: c.uid },
    { op: 'test', path: `/spec/containers/${c.index}/name`, value: c.container },
  ];
  for (const [role, map, exists] of [
    ['limit', 'limits', c.limitsMap],
    ['request', 'requests', c.requestsMap],
  ] as const) {
    const value = c.values[role];
    if (value === undefined) continue;
    ops.push(
      exists
        ? { op: 'add', path: `${base}/${map}/${pointer(c.resource)}`, value }
        : { op: 'add', path: `${base}/${map}`, value: { [c.resource]: value } },
    );
  }
  const pod = await api.send<{ metadata?: { generation?: number } }>(
    'PATCH',
    `/api/v1/namespaces/${c.namespace}/pods/${c.name}/resize${dryRun ? '?dryRun=All' : ''}`,
    ops,
    'application/json-patch+json',
  );
  return pod?.metadata?.generation !== undefined ? { generation: pod.metadata.generation } : {};
}
