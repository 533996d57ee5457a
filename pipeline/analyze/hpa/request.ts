/**
 * The CPU request an HPA will divide usage by once it is live: right-sizing's proposal when it
 * travels in the same change, else the live value. Shared by the hpa analyzer (adopt, tune) and
 * the cronhpa analyzer (a schedule drives the same HPA), so both agree on what a replica is.
 */
import type { ClusterModel, ContainerModel, WorkloadModel } from '../../model/types.js';
import type { AnalyzeContext } from '../types.js';
import { liveContainers } from '../../model/live-containers.js';
import { upstreamFor } from '../upstream.js';

export interface HpaRequest {
  /** Cores the utilization is measured against (the pod, or the one container). */
  cores: number;
  /** Set when measured on one container (ContainerResource). */
  container?: string;
  /**
   * Share of the workload's CPU demand that container uses (1 for the whole pod). Demand series
   * are whole-pod CPU, so replica demand is demand × share ÷ (cores × target); without it a
   * sidecar's usage would be counted against the main container's request.
   */
  share: number;
  /** True when right-sizing changes a request this HPA divides by, in the same change. */
  fromRightsize: boolean;
}

/** CPU requests right-sizing proposes for this workload in the same run (millicores by container). */
export function proposedCpuRequests(w: WorkloadModel, ctx: AnalyzeContext): Map<string, number> {
  const proposed = new Map<string, number>();
  for (const rec of upstreamFor(ctx, 'rightsize', w.key)) {
    for (const f of rec.fields)
      if (f.quantity?.resource === 'cpu' && f.quantity.role === 'request')
        proposed.set(f.quantity.container, f.quantity.proposed);
  }
  return proposed;
}

class Requests {
  readonly containers: ContainerModel[];
  private readonly proposed: Map<string, number>;
  private readonly means = new Map<string, number>();
  fromRightsize = false;

  constructor(model: ClusterModel, w: WorkloadModel, ctx: AnalyzeContext) {
    this.proposed = proposedCpuRequests(w, ctx);
    // Injected containers count too: the HPA divides the pod's whole usage by the pod's whole request.
    this.containers = liveContainers(model, w);
    const usage = model.usage.get(w.key);
    for (const c of this.containers) {
      const d = usage?.containers.get(c.name);
      this.means.set(c.name, d && d.cpuMeanWeight > 0 ? d.cpuMeanSum / d.cpuMeanWeight : 0);
    }
  }

  /** Millicores, proposed or live; undefined without a request. */
  of(c: ContainerModel): number | undefined {
    if (this.proposed.has(c.name)) {
      this.fromRightsize = true;
      return this.proposed.get(c.name);
    }
    return c.requests.cpu;
  }

  mean(name: string): number {
    return this.means.get(name) ?? 0;
  }

  share(name: string): number {
    const sum = [...this.means.values()].reduce((s, x) => s + x, 0);
    return sum > 0 ? this.mean(name) / sum : 1;
  }
}

/**
 * For a new HPA: the whole pod when every container has a CPU request (a pod-level Resource
 * metric is undefined otherwise), else the busiest main container that has one (ContainerResource).
 */
export function podCpuRequest(
  model: ClusterModel,
  w: WorkloadModel,
  ctx: AnalyzeContext,
): HpaRequest | undefined {
  const r = new Requests(model, w, ctx);
  let total = 0;
  let all = true;
  for (const c of r.containers) {
    const m = r.of(c);
    if (!m) all = false;
    else total += m;
  }
  if (all && total > 0) return { cores: total / 1000, share: 1, fromRightsize: r.fromRightsize };
  const main = w.template.containers
    .filter((c) => r.of(c))
    .sort((x, y) => r.mean(y.name) - r.mean(x.name))[0];
  if (!main) return undefined;
  return {
    cores: r.of(main)! / 1000,
    container: main.name,
    share: r.share(main.name),
    fromRightsize: r.fromRightsize,
  };
}

/**
 * For an existing HPA's CPU metric: the container it names (ContainerResource) or the whole pod
 * (Resource), with the request that will be live when the change lands. Undefined when that
 * denominator has no request (the HPA cannot compute utilization either).
 */
export function metricCpuRequest(
  model: ClusterModel,
  w: WorkloadModel,
  metric: { type: string; container?: string },
  ctx: AnalyzeContext,
): HpaRequest | undefined {
  const r = new Requests(model, w, ctx);
  if (metric.type === 'ContainerResource') {
    const c = r.containers.find((x) => x.name === metric.container);
    const m = c && r.of(c);
    if (!m) return undefined;
    return { cores: m / 1000, container: c.name, share: r.share(c.name), fromRightsize: r.fromRightsize };
  }
  let total = 0;
  for (const c of r.containers) {
    const m = r.of(c);
    if (!m) return undefined;
    total += m;
  }
  return total > 0 ? { cores: total / 1000, share: 1, fromRightsize: r.fromRightsize } : undefined;
}
