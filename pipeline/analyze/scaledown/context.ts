/**
 * What scoring and packing look up again and again, computed once per run: which pods sit behind
 * a Service or a load balancer, what each node has requested, which nodes are lightly used.
 */
import type {
  ClusterModel,
  GenericObjectModel,
  NodeModel,
  PodModel,
  WorkloadKey,
} from '../../model/types.js';
import { podRequests, type PodRequests } from '../../model/pod-requests.js';
import { PodLabelIndex } from './selectors.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface CapacityContext {
  model: ClusterModel;
  /** "ns/pod" of pods some Service selects. */
  behindService: Set<string>;
  /** "ns/pod" of pods behind a LoadBalancer Service or an Ingress backend. */
  behindLoadBalancer: Set<string>;
  /** Pods per node (bound, not finished). */
  podsOn: Map<string, PodModel[]>;
  requested: Map<string, PodRequests>;
  requests: Map<string, PodRequests>;
  /** Nodes that may be removed at all, with the requested share under the threshold. */
  lightNodes: Set<string>;
  hpaTargets: Set<WorkloadKey>;
}

export const podKey = (p: Pick<PodModel, 'namespace' | 'name'>): string => `${p.namespace}/${p.name}`;

export function isFinished(p: PodModel): boolean {
  return p.phase === 'Succeeded' || p.phase === 'Failed';
}

export function buildContext(model: ClusterModel, candidateUtilization: number): CapacityContext {
  const podsOn = new Map<string, PodModel[]>();
  const requests = new Map<string, PodRequests>();
  const requested = new Map<string, PodRequests>();
  for (const p of model.pods.values()) {
    if (!p.nodeName || isFinished(p)) continue;
    const r = podRequests(p);
    requests.set(podKey(p), r);
    const list = podsOn.get(p.nodeName) ?? [];
    list.push(p);
    podsOn.set(p.nodeName, list);
    const sum = requested.get(p.nodeName) ?? { cpu: 0, memory: 0 };
    sum.cpu += r.cpu;
    sum.memory += r.memory;
    requested.set(p.nodeName, sum);
  }

  const services = model.others.get('/Service') ?? [];
  const ingressBackends = new Set<string>();
  for (const ing of model.others.get('networking.k8s.io/Ingress') ?? [])
    for (const name of ingressServices(ing)) ingressBackends.add(`${ing.namespace}/${name}`);
  const behindService = new Set<string>();
  const behindLoadBalancer = new Set<string>();
  const index = podIndex(model);
  for (const svc of services) {
    const spec = (svc.spec ?? {}) as any;
    const selector = spec.selector as Record<string, string> | undefined;
    if (!selector || !Object.keys(selector).length) continue;
    const lb = spec.type === 'LoadBalancer' || ingressBackends.has(`${svc.namespace}/${svc.name}`);
    for (const p of index.matching(svc.namespace ?? 'default', { matchLabels: selector })) {
      behindService.add(podKey(p));
      if (lb) behindLoadBalancer.add(podKey(p));
    }
  }

  const lightNodes = new Set<string>();
  for (const n of model.nodes.values()) {
    const share = requestedShare(n, requested.get(n.name));
    if (share < candidateUtilization) lightNodes.add(n.name);
  }
  const hpaTargets = new Set<WorkloadKey>();
  for (const h of model.hpas) if (h.workload) hpaTargets.add(h.workload);
  return { model, behindService, behindLoadBalancer, podsOn, requested, requests, lightNodes, hpaTargets };
}

/** The larger of the CPU and memory shares of allocatable that pods request (cluster-autoscaler's measure). */
export function requestedShare(n: NodeModel, r: PodRequests | undefined): number {
  const cpu = n.allocatable.cpu ? (r?.cpu ?? 0) / n.allocatable.cpu : 1;
  const mem = n.allocatable.memory ? (r?.memory ?? 0) / n.allocatable.memory : 1;
  return Math.max(cpu, mem);
}

function ingressServices(ing: GenericObjectModel): string[] {
  const spec = (ing.spec ?? {}) as any;
  const out: string[] = [];
  const add = (b: any) => {
    const name = b?.service?.name ?? b?.serviceName;
    if (typeof name === 'string') out.push(name);
  };
  add(spec.defaultBackend ?? spec.backend);
  for (const rule of spec.rules ?? []) for (const path of rule?.http?.paths ?? []) add(path?.backend);
  return out;
}

const indexes = new WeakMap<ClusterModel, PodLabelIndex<PodModel>>();

/** One label index per model, shared by the Service and PDB lookups. */
export function podIndex(model: ClusterModel): PodLabelIndex<PodModel> {
  let idx = indexes.get(model);
  if (!idx) indexes.set(model, (idx = new PodLabelIndex(model.pods.values())));
  return idx;
}
