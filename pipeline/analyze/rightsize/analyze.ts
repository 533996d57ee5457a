/**
 * Right-sizing: one recommendation per workload container, from live requests (the cluster is the
 * truth about what runs) and the estimator's targets. Never touches CPU of a container whose CPU
 * an HPA scales on: a smaller request would silently change the HPA's behaviour.
 */
import { formatCpu, formatMemory, cpuStyleOf, memoryUnitOf, parseMemory } from '../../core/quantity.js';
import type { ClusterModel, ContainerModel, WorkloadModel } from '../../model/types.js';
import type {
  AnalyzeContext,
  AnalyzerResult,
  FieldProposal,
  Recommendation,
  Risk,
  Skipped,
} from '../types.js';
import { recommendationId } from '../types.js';
import { RIGHTSIZE_DEFAULTS, type RightsizeArgs } from './args.js';
import { estimateContainer, type ContainerEstimate } from './estimator.js';
import { podOnlyContainers } from '../../model/live-containers.js';

const SIZEABLE = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

export function analyzeRightsize(
  model: ClusterModel,
  args: RightsizeArgs,
  ctx: AnalyzeContext,
): AnalyzerResult {
  const recommendations: Recommendation[] = [];
  const skipped: Skipped[] = [];
  const step = model.usageWindow?.step ?? 300;
  for (const w of [...model.workloads.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    const skip = (reason: string, detail: string, container?: string): void => {
      skipped.push({
        analyzer: 'rightsize',
        workload: w.key,
        reason,
        detail,
        ...(container ? { container } : {}),
      });
    };
    if (!SIZEABLE.has(w.kind)) {
      skip(
        'unsupported-kind',
        `${w.kind}s run to completion; their requests are sized per run, not from a steady state`,
      );
      continue;
    }
    const usage = model.usage.get(w.key);
    if (!usage || usage.containers.size === 0) {
      skip('no-metrics', 'no usage samples for this workload in the window');
      continue;
    }
    const a: RightsizeArgs = {
      ...args,
      ...(ctx.overrides?.(w.key, 'rightsize') as Partial<RightsizeArgs> | undefined),
    };
    const hpaCpu = hpaScalesCpu(model, w);
    const sized = [
      ...w.template.containers,
      ...w.template.initContainers.filter((c) => c.role === 'sidecar'),
      ...podOnlyContainers(model, w),
    ];
    for (const c of sized) {
      const digest = usage.containers.get(c.name);
      if (!digest || digest.intervals === 0) {
        skip('no-metrics', `no usage samples for container ${c.name}`, c.name);
        continue;
      }
      const est = estimateContainer({
        digest,
        ooms: usage.ooms.filter((o) => o.container === c.name),
        containersInPod: sized.length,
        step,
        now: ctx.now,
        args: a,
        current: { cpu: c.requests.cpu, memory: c.requests.memory },
        limitAt: limitHistory(model, w, c),
      });
      const cpuBlocked = hpaCpu.has(c.name) || hpaCpu.has('*');
      if (cpuBlocked)
        skip(
          'hpa-scales-cpu',
          `an HPA scales ${w.name} on CPU utilization of ${c.name}; changing its CPU request would change when it scales, so only memory is sized (the HPA analyzer owns that trade-off)`,
          c.name,
        );
      const rec = recommend(w, c, est, a, {
        cpu: !cpuBlocked,
        window: usage.window,
        ooms: usage.ooms.filter((o) => o.container === c.name).length,
        samples: digest.samples,
      });
      if (rec) recommendations.push(rec);
    }
  }
  return { recommendations, skipped };
}

/**
 * Containers the pods run that the workload template does not declare: sidecars injected at
 * admission (e.g. istio-proxy). They are sized like the rest; render then finds them missing in
 * Git and skips them with a reason, never patching them in.
 */
function hpaScalesCpu(model: ClusterModel, w: WorkloadModel): Set<string> {
  const out = new Set<string>();
  for (const h of model.hpas) {
    if (h.workload !== w.key) continue;
    for (const m of h.metrics) {
      if (m.resource !== 'cpu') continue;
      if (m.type === 'Resource') out.add('*');
      else if (m.type === 'ContainerResource' && m.container) out.add(m.container);
    }
  }
  return out;
}

/**
 * The memory limit a container had at time t. A kill's reported limit is the live pod's, which
 * is the raised one once we raised it (an in-place resize keeps the pod and its lastState); our
 * change history says what it was before: the `from` of our first change to it after t.
 */
function limitHistory(
  model: ClusterModel,
  w: WorkloadModel,
  c: ContainerModel,
): (t: number, reported: number | undefined) => number | undefined {
  const list = c.role === 'sidecar' ? 'initContainer' : 'container';
  const changes = (model.history ?? [])
    .filter((h) => h.workload === w.key && h.from !== undefined)
    .sort((a, b) => a.time - b.time);
  const field = (kind: 'limits' | 'requests'): string => `${list}/${c.name}/${kind}/memory`;
  const kind = c.limits.memory !== undefined ? 'limits' : 'requests';
  return (t, reported) => {
    const next = changes.find((h) => h.field === field(kind) && h.time > t);
    if (!next) return reported;
    try {
      return parseMemory(next.from!);
    } catch {
      return reported; // an unreadable trailer value
    }
  };
}

function recommend(
  w: WorkloadModel,
  c: ContainerModel,
  est: ContainerEstimate,
  args: RightsizeArgs,
  o: { cpu: boolean; window: { start: number; end: number }; ooms: number; samples: number },
): Recommendation | undefined {
  const list = c.role === 'sidecar' ? 'initContainers' : 'containers';
  const base = ['spec', 'template', 'spec', list, { name: c.name }, 'resources'];
  const object = { apiVersion: w.apiVersion, kind: w.kind, namespace: w.namespace, name: w.name };
  const fields: FieldProposal[] = [];
  const replicas = w.kind === 'DaemonSet' ? w.podNames.length : (w.replicas ?? w.podNames.length);
  let deltaCpu = 0;
  let deltaMem = 0;

  if (o.cpu) {
    const proposed = est.cpu.target;
    const text = formatCpu(proposed, cpuStyleOf(c.rawRequests.cpu));
    if (text !== c.rawRequests.cpu && proposed !== c.requests.cpu) {
      fields.push({
        object,
        path: [...base, 'requests', 'cpu'],
        current: c.rawRequests.cpu,
        proposed: text,
        quantity: { resource: 'cpu', role: 'request', container: c.name, current: c.requests.cpu, proposed },
      });
      deltaCpu = ((proposed - (c.requests.cpu ?? 0)) / 1000) * replicas;
      const limit = scaledLimit(c.limits.cpu, c.requests.cpu, proposed, args);
      if (limit !== undefined && limit !== c.limits.cpu) {
        const lt = formatCpu(limit, cpuStyleOf(c.rawLimits.cpu));
        fields.push({
          object,
          path: [...base, 'limits', 'cpu'],
          current: c.rawLimits.cpu,
          proposed: lt,
          quantity: {
            resource: 'cpu',
            role: 'limit',
            container: c.name,
            current: c.limits.cpu,
            proposed: limit,
          },
        });
      }
    }
  }
  const mem = est.memory.target;
  const memText = formatMemory(mem, memoryUnitOf(c.rawRequests.memory));
  if (memText !== c.rawRequests.memory && mem !== c.requests.memory) {
    fields.push({
      object,
      path: [...base, 'requests', 'memory'],
      current: c.rawRequests.memory,
      proposed: memText,
      quantity: {
        resource: 'memory',
        role: 'request',
        container: c.name,
        current: c.requests.memory,
        proposed: mem,
      },
    });
    deltaMem = (mem - (c.requests.memory ?? 0)) * replicas;
    const limit = scaledLimit(c.limits.memory, c.requests.memory, mem, args);
    if (limit !== undefined && limit !== c.limits.memory) {
      const rounded = Math.ceil(limit / 2 ** 20) * 2 ** 20;
      fields.push({
        object,
        path: [...base, 'limits', 'memory'],
        current: c.rawLimits.memory,
        proposed: formatMemory(rounded, memoryUnitOf(c.rawLimits.memory)),
        quantity: {
          resource: 'memory',
          role: 'limit',
          container: c.name,
          current: c.limits.memory,
          proposed: rounded,
        },
      });
    }
  }
  if (!fields.length) return undefined;

  const subject = `container ${c.name}`;
  // The headline statistic, its percentile, peak and band all describe one resource: memory when
  // memory changes, else CPU (each resource's own figures are under evidence.cpu / .memory).
  const main = fields.some((f) => f.quantity?.resource === 'memory') ? 'memory' : 'cpu';
  return {
    id: recommendationId('rightsize', w.key, subject),
    analyzer: 'rightsize',
    workload: w.key,
    subject,
    fields,
    objects: [],
    evidence: {
      window: { start: o.window.start, end: o.window.end },
      samples: o.samples,
      statistic: est[main].statistic,
      percentile: est[main].percentile,
      peak: est.usage[main].max,
      unit: main === 'memory' ? 'bytes' : 'millicores',
      ooms: o.ooms,
      confidence: est.confidence,
      lower: est[main].lower,
      upper: est[main].upper,
      why: why(c, est, fields, o.cpu, args),
      usage: { cpu: est.usage.cpu, memory: est.usage.memory },
      cpu: {
        target: est.cpu.target,
        lower: est.cpu.lower,
        upper: est.cpu.upper,
        statistic: est.cpu.statistic,
        driver: est.cpu.driver,
        detail: est.cpu.detail,
        ...(est.cpuSaturation ? { saturation: est.cpuSaturation } : {}),
      },
      memory: {
        target: est.memory.target,
        lower: est.memory.lower,
        upper: est.memory.upper,
        statistic: est.memory.statistic,
        driver: est.memory.driver,
        detail: est.memory.detail,
        ...est.memoryBasis,
      },
      ...(est.growthPerDay ? { memoryGrowthPerDay: est.growthPerDay } : {}),
    },
    risk: riskOf(fields, est),
    delta: { cpuCores: deltaCpu, memoryBytes: deltaMem },
    details: { profile: args.profile },
  };
}

/** VPA's proportional rule: a limit keeps its ratio to the request; no limit stays no limit. */
function scaledLimit(
  limit: number | undefined,
  request: number | undefined,
  proposed: number,
  args: RightsizeArgs,
): number | undefined {
  if (limit === undefined || args.limits === 'unchanged') return undefined;
  if (!request || request >= limit) return Math.max(proposed, 0);
  return Math.floor((limit * proposed) / request);
}

function riskOf(fields: FieldProposal[], est: ContainerEstimate): Risk {
  const down = (r: 'cpu' | 'memory'): boolean =>
    fields.some(
      (f) =>
        f.quantity?.resource === r &&
        f.quantity.role === 'request' &&
        f.quantity.current !== undefined &&
        f.quantity.proposed < f.quantity.current,
    );
  if ((down('cpu') || down('memory')) && est.confidence.level === 'low') return 'high';
  if (down('memory')) return 'medium';
  return 'low';
}

function why(
  c: ContainerModel,
  est: ContainerEstimate,
  fields: FieldProposal[],
  cpuSized: boolean,
  args: RightsizeArgs,
): string {
  const parts: string[] = [];
  const f = (r: 'cpu' | 'memory'): FieldProposal | undefined =>
    fields.find((x) => x.quantity?.resource === r && x.quantity.role === 'request');
  const cpu = f('cpu');
  const mem = f('memory');
  if (cpu)
    parts.push(
      `CPU: ${est.cpu.detail}, so ${String(cpu.current ?? 'unset')} → ${String(cpu.proposed)} with ${Math.round((args.profile === 'batch' ? 0.1 : args.margin) * 100)}% headroom`,
    );
  if (!cpuSized) parts.push('CPU left to the HPA');
  if (mem) {
    const verb =
      mem.quantity!.current !== undefined && mem.quantity!.proposed < mem.quantity!.current
        ? 'can drop'
        : 'rises';
    parts.push(
      `memory ${verb} ${String(mem.current ?? 'unset')} → ${String(mem.proposed)} because ${est.memory.detail}`,
    );
  }
  return `${c.name}: ${parts.join('; ')} (${est.confidence.days.toFixed(1)} days of data).`;
}

export { RIGHTSIZE_DEFAULTS };
