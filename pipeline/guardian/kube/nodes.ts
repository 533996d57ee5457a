/**
 * The node-level steps: put the hotspot taint on (with the journal entry's id as an annotation,
 * so a guardian that lost its journal still knows the taint is its own) and take it off. JSON
 * patches that `test` the resourceVersion first: if the node changed since we read it, the patch
 * fails (422) and the next tick decides again from fresh state.
 */
import type { KubeApi } from './api.js';
import type { NodeObject } from './objects.js';
import { HOTSPOT_TAINT } from '../settings.js';
import { journalAnnotationOps } from './journal-annotation.js';

export function hasHotspotTaint(n: NodeObject): boolean {
  return (n.spec.taints ?? []).some((t) => t.key === HOTSPOT_TAINT.key && t.effect === HOTSPOT_TAINT.effect);
}

export async function taintNode(api: KubeApi, n: NodeObject, entry: string): Promise<void> {
  const ops: unknown[] = [
    { op: 'test', path: '/metadata/resourceVersion', value: n.metadata.resourceVersion },
  ];
  ops.push(
    n.spec.taints?.length
      ? { op: 'add', path: '/spec/taints/-', value: { ...HOTSPOT_TAINT } }
      : { op: 'add', path: '/spec/taints', value: [{ ...HOTSPOT_TAINT }] },
  );
  ops.push(...journalAnnotationOps(n.metadata, entry));
  await api.send('PATCH', `/api/v1/nodes/${n.metadata.name}`, ops, 'application/json-patch+json');
}

export async function untaintNode(api: KubeApi, n: NodeObject): Promise<void> {
  const i = (n.spec.taints ?? []).findIndex(
    (t) => t.key === HOTSPOT_TAINT.key && t.effect === HOTSPOT_TAINT.effect,
  );
  const ops: unknown[] = [
    { op: 'test', path: '/metadata/resourceVersion', value: n.metadata.resourceVersion },
  ];
  if (i >= 0) ops.push({ op: 'remove', path: `/spec/taints/${i}` });
  ops.push(...journalAnnotationOps(n.metadata, undefined));
  if (ops.length === 1) return;
  await api.send('PATCH', `/api/v1/nodes/${n.metadata.name}`, ops, 'application/json-patch+json');
}

/** A Kubernetes Event on the node, as `kubectl describe node` shows them. */
export async function nodeEvent(
  api: KubeApi,
  node: string,
  reason: string,
  message: string,
  type: 'Normal' | 'Warning' = 'Normal',
): Promise<void> {
  await objectEvent(api, { apiVersion: 'v1', kind: 'Node', name: node, uid: node }, reason, message, type);
}

/** An Event on any object, in its namespace (nodes' in default, where kubectl looks for them). */
export async function objectEvent(
  api: KubeApi,
  involved: { apiVersion: string; kind: string; name: string; namespace?: string; uid?: string },
  reason: string,
  message: string,
  type: 'Normal' | 'Warning' = 'Normal',
): Promise<void> {
  const now = new Date().toISOString();
  const namespace = involved.namespace ?? 'default';
  await api.send('POST', `/api/v1/namespaces/${namespace}/events`, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: 'tidemark-guardian.', namespace },
    involvedObject: involved,
    reason,
    message: message.slice(0, 1000),
    type,
    source: { component: 'tidemark-guardian' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  });
}
