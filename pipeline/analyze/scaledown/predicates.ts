/**
 * The scheduler's filters, as far as a drain simulation needs them: taints and tolerations,
 * nodeSelector and required node affinity, free requests, max pods, host ports, the zone a bound
 * volume lives in, required pod (anti-)affinity both ways, and DoNotSchedule topology spread.
 * Each filter answers with the reason it refused, so a report can say why a pod has no home.
 */
import type { ClusterModel, NodeModel, PodModel, Toleration } from '../../model/types.js';
import type { PodRequests } from '../../model/pod-requests.js';
import { matchesNodeSelectorTerms, matchesSelector, type LabelSelector } from './selectors.js';
import { boundVolume } from './blockers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface NodeState {
  node: NodeModel;
  free: PodRequests;
  pods: number;
  maxPods: number;
  hostPorts: Set<number>;
  residents: PodModel[];
  removed: boolean;
}

export interface Cluster {
  model: ClusterModel;
  nodes: Map<string, NodeState>;
  /** Where each pod with a required anti-affinity term lives now (the symmetric check's input). */
  antiAffinity: Map<PodModel, NodeState>;
  /** Those pods by `topologyKey\0domain value`, so a target sees only the pods of its domains. */
  antiByDomain: Map<string, Set<PodModel>>;
  antiKeys: Set<string>;
  /** Nodes by `topologyKey` then value, built on first use (node labels do not change). */
  domains: Map<string, Map<string, NodeState[]>>;
}

/** Index (or unindex) an anti-affinity pod under the domains of the node it lives on. */
export function indexAntiAffinity(cluster: Cluster, pod: PodModel, state: NodeState, add: boolean): void {
  for (const term of requiredTerms(pod.affinity, 'podAntiAffinity')) {
    const key = term?.topologyKey as string;
    const value = state.node.labels[key];
    if (value === undefined) continue;
    cluster.antiKeys.add(key);
    const id = `${key}\0${value}`;
    let set = cluster.antiByDomain.get(id);
    if (!set) cluster.antiByDomain.set(id, (set = new Set()));
    if (add) set.add(pod);
    else set.delete(pod);
  }
  if (add) cluster.antiAffinity.set(pod, state);
}

/** What one pod's checks need about the whole cluster, computed once per pod, not per target. */
export interface PodView {
  /** Per DoNotSchedule constraint: matching pods per domain value, and the smallest count. */
  spread: { key: string; maxSkew: number; counts: Map<string, number>; min: number }[];
}

export function podView(cluster: Cluster, pod: PodModel): PodView {
  const spread: PodView['spread'] = [];
  for (const c of (pod.topologySpreadConstraints ?? []) as any[]) {
    if (c?.whenUnsatisfiable !== 'DoNotSchedule') continue;
    const key = c.topologyKey as string;
    const counts = new Map<string, number>();
    for (const s of cluster.nodes.values()) {
      if (s.removed) continue;
      const d = s.node.labels[key];
      if (d === undefined) continue;
      // Domains are those of nodes the pod could use (nodeAffinityPolicy: Honor).
      if (Object.entries(pod.nodeSelector).some(([k, v]) => s.node.labels[k] !== v)) continue;
      const matching = s.residents.filter(
        (o) => o !== pod && o.namespace === pod.namespace && matchesSelector(o.labels, c.labelSelector),
      ).length;
      counts.set(d, (counts.get(d) ?? 0) + matching);
    }
    if (counts.size)
      spread.push({ key, maxSkew: Number(c.maxSkew ?? 1), counts, min: Math.min(...counts.values()) });
  }
  return { spread };
}

export function tolerates(
  tolerations: Toleration[],
  taint: { key: string; value?: string; effect: string },
): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

export function requiredTerms(affinity: any, kind: 'podAffinity' | 'podAntiAffinity'): any[] {
  const list = affinity?.[kind]?.requiredDuringSchedulingIgnoredDuringExecution;
  return Array.isArray(list) ? list : [];
}

function hostPortsOf(pod: PodModel): number[] {
  return [...pod.containers, ...pod.initContainers].flatMap((c) => c.hostPorts ?? []);
}

function termMatches(term: any, owner: PodModel, other: PodModel): boolean {
  const namespaces: string[] =
    Array.isArray(term?.namespaces) && term.namespaces.length ? term.namespaces : [owner.namespace];
  return (
    namespaces.includes(other.namespace) &&
    matchesSelector(other.labels, term?.labelSelector as LabelSelector)
  );
}

function sameDomain(cluster: Cluster, key: string, value: string): NodeState[] {
  let byValue = cluster.domains.get(key);
  if (!byValue) {
    byValue = new Map();
    for (const s of cluster.nodes.values()) {
      const v = s.node.labels[key];
      if (v === undefined) continue;
      const list = byValue.get(v) ?? [];
      list.push(s);
      byValue.set(v, list);
    }
    cluster.domains.set(key, byValue);
  }
  return (byValue.get(value) ?? []).filter((s) => !s.removed);
}

/** Why `pod` cannot go to `target`, or undefined when it fits. */
export function refusal(
  cluster: Cluster,
  pod: PodModel,
  req: PodRequests,
  target: NodeState,
  view: PodView = podView(cluster, pod),
): string | undefined {
  const n = target.node;
  if (target.removed) return 'being removed';
  if (n.unschedulable) return 'cordoned';
  if (n.conditions['Ready'] !== undefined && n.conditions['Ready'] !== 'True') return 'not Ready';
  for (const t of n.taints)
    if ((t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(pod.tolerations, t))
      return `taint ${t.key}${t.value ? `=${t.value}` : ''}:${t.effect} not tolerated`;
  for (const [k, v] of Object.entries(pod.nodeSelector))
    if (n.labels[k] !== v) return `nodeSelector ${k}=${v}`;
  const affinity = pod.affinity as any;
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!matchesNodeSelectorTerms(n, terms)) return 'required node affinity';
  if (req.cpu > target.free.cpu)
    return `${req.cpu}m CPU requested, ${Math.max(0, Math.round(target.free.cpu))}m free`;
  if (req.memory > target.free.memory) return 'not enough memory free';
  if (target.pods >= target.maxPods) return `max pods (${target.maxPods}) reached`;
  for (const port of hostPortsOf(pod)) if (target.hostPorts.has(port)) return `host port ${port} in use`;
  const zoneRefusal = volumeZone(cluster.model, pod, n);
  if (zoneRefusal) return zoneRefusal;
  for (const term of requiredTerms(affinity, 'podAntiAffinity')) {
    const value = n.labels[term?.topologyKey];
    if (value === undefined) continue;
    for (const s of sameDomain(cluster, term.topologyKey, value))
      if (s.residents.some((o) => o !== pod && termMatches(term, pod, o)))
        return `required pod anti-affinity on ${term.topologyKey}`;
  }
  // Symmetry: a pod already there may refuse the newcomer (only pods of the target's domains).
  for (const key of cluster.antiKeys) {
    const value = n.labels[key];
    if (value === undefined) continue;
    for (const o of cluster.antiByDomain.get(`${key}\0${value}`) ?? []) {
      if (o === pod || cluster.antiAffinity.get(o)?.removed) continue;
      for (const term of requiredTerms(o.affinity, 'podAntiAffinity'))
        if (term?.topologyKey === key && termMatches(term, o, pod))
          return `pod ${o.namespace}/${o.name}'s anti-affinity`;
    }
  }
  for (const term of requiredTerms(affinity, 'podAffinity')) {
    const value = n.labels[term?.topologyKey];
    if (value === undefined) return `required pod affinity on ${term?.topologyKey}`;
    const found = sameDomain(cluster, term.topologyKey, value).some((s) =>
      s.residents.some((o) => o !== pod && termMatches(term, pod, o)),
    );
    if (!found) return `required pod affinity on ${term.topologyKey}`;
  }
  for (const c of view.spread) {
    const value = n.labels[c.key];
    if (value === undefined) return `topology spread: node has no ${c.key}`;
    if ((c.counts.get(value) ?? 0) + 1 - c.min > c.maxSkew)
      return `topology spread on ${c.key} (maxSkew ${c.maxSkew})`;
  }
  return undefined;
}

/** A bound volume that lives in one zone (PV node affinity, or its zone label) pins the pod there. */
function volumeZone(model: ClusterModel, pod: PodModel, n: NodeModel): string | undefined {
  for (const v of pod.volumes) {
    if (v.type !== 'persistentVolumeClaim' || !v.claimName) continue;
    const pv = boundVolume(model, pod.namespace, v.claimName);
    if (!pv) continue;
    const terms = (pv.spec as any)?.nodeAffinity?.required?.nodeSelectorTerms;
    if (terms && !matchesNodeSelectorTerms(n, terms))
      return `volume ${v.claimName} is bound elsewhere (PV node affinity)`;
    for (const key of ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone']) {
      const zone = pv.labels[key];
      if (zone !== undefined && n.labels[key] !== undefined && n.labels[key] !== zone)
        return `volume ${v.claimName} is in zone ${zone}`;
    }
  }
  return undefined;
}

export function place(cluster: Cluster, state: NodeState, pod: PodModel, req: PodRequests): void {
  const from = cluster.antiAffinity.get(pod);
  if (from) {
    indexAntiAffinity(cluster, pod, from, false);
    indexAntiAffinity(cluster, pod, state, true);
  }
  state.free.cpu -= req.cpu;
  state.free.memory -= req.memory;
  state.pods++;
  for (const p of hostPortsOf(pod)) state.hostPorts.add(p);
  state.residents.push(pod);
}
