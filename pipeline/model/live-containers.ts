/**
 * The containers a workload's pods really run: the template's, plus those only the pods have
 * (injected by a webhook, e.g. a service-mesh proxy). An HPA's pod utilization counts them all.
 */
import type { ClusterModel, ContainerModel, WorkloadModel } from './types.js';

export function podOnlyContainers(model: ClusterModel, w: WorkloadModel): ContainerModel[] {
  const declared = new Set([...w.template.containers, ...w.template.initContainers].map((c) => c.name));
  const out = new Map<string, ContainerModel>();
  for (const name of w.podNames) {
    const pod = model.pods.get(`${w.namespace}/${name}`);
    for (const c of pod?.containers ?? []) if (!declared.has(c.name) && !out.has(c.name)) out.set(c.name, c);
  }
  return [...out.values()];
}

/** Template containers, native sidecars, and pod-only containers: everything that runs beside the app. */
export function liveContainers(model: ClusterModel, w: WorkloadModel): ContainerModel[] {
  return [
    ...w.template.containers,
    ...w.template.initContainers.filter((c) => c.role === 'sidecar'),
    ...podOnlyContainers(model, w),
  ];
}
