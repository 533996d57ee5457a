/**
 * Virtual-node placement: for each Deployment, can the cluster's serverless offer run its pods
 * (eligibility.ts), is it movable enough (scaledown's WorkloadScore), and does moving it — all of
 * it (`migrate`) or what exceeds its median replica count (`burst`) — save money (economics.ts)?
 * Then the smallest pod-template edit that steers it there, in the provider's own terms.
 */
import type { ClusterModel, Toleration, WorkloadModel } from '../../model/types.js';
import type {
  AnalyzeContext,
  AnalyzerResult,
  FieldPath,
  FieldProposal,
  JsonValue,
  Recommendation,
  Skipped,
} from '../types.js';
import { recommendationId } from '../types.js';
import { podRequests } from '../../model/pod-requests.js';
import { podOnlyContainers } from '../../model/live-containers.js';
import { demandView, historyDays } from '../../model/usage/demand-view.js';
import { PLACEMENT_DEFAULTS, type PlacementArgs, type PlacementSettings } from './args.js';
import { PROVIDERS, type Provider } from './providers.js';
import { featuresOf } from './eligibility.js';
import { economics, type Economics } from './economics.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const GiB = 2 ** 30;

export function analyzePlacement(
  model: ClusterModel,
  given: PlacementArgs,
  ctx: AnalyzeContext,
): AnalyzerResult {
  const settings = (ctx.clusterSettings.placement ?? {}) as PlacementSettings;
  const recommendations: Recommendation[] = [];
  const skipped: Skipped[] = [];
  if (!settings.provider) return { recommendations, skipped };
  const provider = PROVIDERS[settings.provider];
  const skip = (w: WorkloadModel, reason: string, detail: string) =>
    skipped.push({ analyzer: 'placement', workload: w.key, reason, detail });
  const scores = workloadScores(ctx);
  const packing = clusterPacking(model);
  const node = { coreHour: ctx.prices?.cpuCoreHour ?? 0, gibHour: ctx.prices?.memoryGiBHour ?? 0 };

  for (const w of model.workloads.values()) {
    const args = merge(given, ctx.overrides?.(w.key, 'placement') as Partial<PlacementArgs> | undefined);
    if (args.mode === 'off') continue;
    const blockers = featuresOf(model, w, provider);
    if (blockers.length) {
      skip(w, 'not-eligible', `${provider.title} cannot run it: ${blockers.map((b) => b.detail).join('; ')}`);
      continue;
    }
    if (w.kind !== 'Deployment') {
      skip(w, 'unsupported-kind', `placement moves Deployments only (${w.kind})`);
      continue;
    }
    if (alreadyThere(w, provider, settings)) continue;
    const score = scores.get(w.key);
    if (score === undefined || score < args.minWorkloadScore) {
      skip(
        w,
        'not-eligible',
        score === undefined
          ? 'no WorkloadScore (the scaledown analyzer did not run)'
          : `WorkloadScore ${score} < ${args.minWorkloadScore}: not movable enough to run on a virtual node`,
      );
      continue;
    }
    if (args.mode === 'burst' && !provider.burst) {
      skip(
        w,
        'not-supported',
        `${provider.title} decides placement at admission by profile match; pods cannot overflow there, so burst is unsupported (use mode: migrate)`,
      );
      continue;
    }
    let fargate: Record<string, string> | undefined;
    if (provider.id === 'eks-fargate') {
      const sel = settings.fargateProfile?.selectors.find((s) => s.namespace === w.namespace);
      if (!sel) {
        skip(
          w,
          'not-supported',
          `no selector of the Fargate profile ${settings.fargateProfile?.name ?? '(none configured)'} covers namespace ${w.namespace}; profiles are immutable, so a new one must be created first`,
        );
        continue;
      }
      fargate = sel.labels ?? {};
    }
    const requests = podRequests({
      containers: [...w.template.containers, ...podOnlyContainers(model, w)],
      initContainers: w.template.initContainers,
    });
    if (!requests.cpu || !requests.memory) {
      skip(w, 'not-eligible', 'no CPU or memory request: the serverless pod size would be a guess');
      continue;
    }
    const usage = model.usage.get(w.key);
    if (!usage) {
      skip(w, 'no-metrics', 'no usage history: replicas over time unknown');
      continue;
    }
    const view = demandView(usage.demand);
    const requestCores = requests.cpu / 1000;
    const scaling = hpaBounds(model, w, ctx);
    const meanCpu = view.cpu.reduce((s, x) => s + x, 0);
    const meanPods = view.pods.reduce((s, x) => s + x, 0);
    const econ = economics({
      pod: { cpu: requestCores, gib: requests.memory / GiB },
      provider,
      price: args.prices[provider.id],
      node,
      packing,
      replicas: replicaSeries(view, requestCores, scaling),
      slotHours: view.step / 3600,
      utilization: meanPods > 0 ? meanCpu / meanPods / requestCores : undefined,
    });
    const mode = args.mode;
    const saving = mode === 'migrate' ? econ.saving.migrate : econ.saving.burst;
    if (mode === 'burst' && econ.replicas.peak <= econ.replicas.median) {
      skip(
        w,
        'below-threshold',
        scaling
          ? `the HPA would never run more than ${econ.replicas.median} replica(s) in the window: no peak to burst`
          : `fixed at ${econ.replicas.median} replica(s) with no HPA: bursting needs replicas that follow load (an HPA), or mode: migrate`,
      );
      continue;
    }
    if (saving < args.minMonthlySaving) {
      skip(
        w,
        'below-threshold',
        mode === 'migrate'
          ? `nodes ${money(econ.monthly.nodes)}/month vs ${provider.title} ${money(econ.monthly.migrate)}/month: saves ${money(saving)} < ${money(args.minMonthlySaving)}`
          : `peak buffer of ${Math.ceil(econ.replicas.peak) - econ.replicas.median} replica(s) costs ${money(econ.monthly.burstBuffer)}/month on nodes vs ${money(econ.monthly.burstServerless)} serverless: saves ${money(saving)} < ${money(args.minMonthlySaving)}`,
      );
      continue;
    }
    const fields = steer(w, provider, mode, econ, fargate);
    const notes = provider.notes[mode];
    recommendations.push({
      id: recommendationId('placement', w.key, `${mode} to ${provider.id}`),
      analyzer: 'placement',
      workload: w.key,
      subject: `${mode} to ${provider.id}`,
      fields,
      objects: [],
      evidence: {
        window: { start: usage.window.start, end: usage.window.end },
        samples: view.times.length,
        ooms: usage.ooms.length,
        confidence: {
          days: Math.round(historyDays(view) * 10) / 10,
          level: historyDays(view) >= 7 ? 'high' : historyDays(view) >= 3 ? 'medium' : 'low',
        },
        why:
          mode === 'migrate'
            ? `${econ.replicas.mean} replica(s) on average cost ${money(econ.monthly.nodes)}/month on nodes (${Math.round(econ.packing * 100)} % packed) and ${money(econ.monthly.migrate)} on ${provider.title} (${econ.serverlessPod.cpu} cores / ${econ.serverlessPod.gib} GiB per pod): ${money(saving)}/month less`
            : `${econ.replicas.median} replica(s) stay on nodes; the ${Math.ceil(econ.replicas.peak) - econ.replicas.median} above it run only ${Math.round(econ.burstShare * 100)} % of the time — ${money(econ.monthly.burstBuffer)}/month of node buffer becomes ${money(econ.monthly.burstServerless)} on ${provider.title}: ${money(saving)}/month less`,
      },
      risk: mode === 'migrate' ? 'medium' : 'low',
      details: {
        provider: provider.id,
        mode,
        workloadScore: score,
        economics: econ,
        ...(scaling ? { hpa: scaling } : {}),
        ...(notes ? { note: notes } : {}),
      },
    });
  }
  return { recommendations, skipped };
}

interface HpaBounds {
  min: number;
  max: number;
  /** Target CPU utilization, percent of the request. */
  target: number;
  source: 'live' | 'proposed';
}

/** The HPA that will drive the replicas: proposed in this run (it travels with us), else the live one. */
function hpaBounds(model: ClusterModel, w: WorkloadModel, ctx: AnalyzeContext): HpaBounds | undefined {
  const proposed = ctx.upstream
    ?.get('hpa')
    ?.recommendations.find((r) => r.workload === w.key && r.subject === 'adopt HPA')
    ?.objects.find((o) => o.object.kind === 'HorizontalPodAutoscaler')?.manifest as any;
  if (proposed) {
    const spec = proposed.spec;
    const metric = (spec?.metrics ?? []).find(
      (m: any) => (m?.resource ?? m?.containerResource)?.name === 'cpu',
    );
    const target = (metric?.resource ?? metric?.containerResource)?.target?.averageUtilization;
    if (typeof target === 'number' && typeof spec?.maxReplicas === 'number')
      return { min: spec.minReplicas ?? 1, max: spec.maxReplicas, target, source: 'proposed' };
  }
  const live = model.hpas.find((h) => h.workload === w.key && !h.ownedBy);
  const cpu = live?.metrics.find((m) => m.resource === 'cpu' && m.averageUtilization !== undefined);
  return live && cpu
    ? { min: live.minReplicas, max: live.maxReplicas, target: cpu.averageUtilization!, source: 'live' }
    : undefined;
}

/**
 * Replicas per slot. With an HPA, what it runs: CPU demand over (request × target), within its
 * bounds — the peak an HPA scales to is exactly the buffer bursting removes. Without one, the
 * pods that ran, in whole pods (a rollout's overlap makes a slot's presence fractional).
 */
function replicaSeries(
  view: ReturnType<typeof demandView>,
  requestCores: number,
  hpa: HpaBounds | undefined,
): number[] {
  if (!hpa) return view.pods.map((x) => Math.round(x));
  const perPod = requestCores * (hpa.target / 100);
  return view.cpu.map((c) => Math.min(hpa.max, Math.max(hpa.min, Math.ceil(c / perPod - 1e-9))));
}

const money = (x: number): string => (Math.round(x * 100) / 100).toFixed(2);

function merge(base: PlacementArgs, g: Partial<PlacementArgs> | undefined): PlacementArgs {
  const d = { ...PLACEMENT_DEFAULTS, ...base };
  return { ...d, ...g, prices: { ...d.prices, ...base.prices, ...g?.prices } } as PlacementArgs;
}

function workloadScores(ctx: AnalyzeContext): Map<string, number> {
  const report = ctx.upstream?.get('scaledown')?.reports?.find((r) => r.analyzer === 'scaledown');
  const list = (report?.data.workloads ?? []) as { workload: string; score: number }[];
  return new Map(list.map((w) => [w.workload, w.score]));
}

/** Σ requests ÷ Σ allocatable over regular nodes: the share of a node that a requested core buys. */
function clusterPacking(model: ClusterModel): number {
  let alloc = 0;
  let req = 0;
  const real = new Set([...model.nodes.values()].filter((n) => !n.virtual).map((n) => n.name));
  for (const n of model.nodes.values()) if (real.has(n.name)) alloc += n.allocatable.cpu ?? 0;
  for (const p of model.pods.values())
    if (p.nodeName && real.has(p.nodeName) && p.phase !== 'Succeeded' && p.phase !== 'Failed')
      req += podRequests(p).cpu;
  return alloc > 0 ? req / alloc : 1;
}

function alreadyThere(w: WorkloadModel, p: Provider, s: PlacementSettings): boolean {
  const t = w.template;
  if (p.id === 'tke-eks' && t.annotations['AUTO_SCALE_EKS'] === 'true') return true;
  if (p.nodeSelector && Object.entries(p.nodeSelector).every(([k, v]) => t.nodeSelector[k] === v))
    return true;
  if (p.id === 'eks-fargate') {
    const sel = s.fargateProfile?.selectors.find((x) => x.namespace === w.namespace);
    if (sel && Object.entries(sel.labels ?? {}).every(([k, v]) => t.labels[k] === v)) return true;
  }
  return false;
}

const sameToleration = (a: Toleration, b: Toleration) =>
  (a.key ?? '') === (b.key ?? '') &&
  (a.operator ?? 'Equal') === (b.operator ?? 'Equal') &&
  (a.value ?? '') === (b.value ?? '') &&
  (a.effect ?? '') === (b.effect ?? '');

/** The pod-template edits, each only where the template lacks it. */
function steer(
  w: WorkloadModel,
  p: Provider,
  mode: 'burst' | 'migrate',
  econ: Economics,
  fargateLabels: Record<string, string> | undefined,
): FieldProposal[] {
  const object = { apiVersion: w.apiVersion, kind: w.kind, namespace: w.namespace, name: w.name };
  const t = w.template;
  const fields: FieldProposal[] = [];
  const set = (path: FieldPath, proposed: JsonValue, current?: JsonValue) =>
    fields.push({ object, path: ['spec', 'template', ...path], current, proposed });
  if (fargateLabels) {
    for (const [k, v] of Object.entries(fargateLabels))
      if (t.labels[k] !== v) set(['metadata', 'labels', k], v, t.labels[k]);
    return fields;
  }
  if (p.id === 'tke-eks' && mode === 'burst') {
    set(['metadata', 'annotations', 'AUTO_SCALE_EKS'], 'true', t.annotations['AUTO_SCALE_EKS']);
    set(
      ['metadata', 'annotations', 'LOCAL_REPLICAS'],
      String(econ.replicas.median),
      t.annotations['LOCAL_REPLICAS'],
    );
    return fields;
  }
  const missing = p.tolerations.filter((x) => !t.tolerations.some((y) => sameToleration(x, y)));
  const asJson = (x: Toleration) =>
    Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined)) as JsonValue;
  if (missing.length && !t.tolerations.length) set(['spec', 'tolerations'], missing.map(asJson));
  else missing.forEach((x, i) => set(['spec', 'tolerations', t.tolerations.length + i], asJson(x)));
  if (mode === 'migrate') {
    for (const [k, v] of Object.entries(p.nodeSelector ?? {}))
      if (t.nodeSelector[k] !== v) set(['spec', 'nodeSelector', k], v, t.nodeSelector[k]);
    return fields;
  }
  // burst on virtual-kubelet / ACI: prefer regular nodes, so only the overflow lands there
  const term: JsonValue = {
    weight: 100,
    preference: {
      matchExpressions: [{ key: p.virtualLabel!.key, operator: 'NotIn', values: [p.virtualLabel!.value] }],
    },
  };
  const affinity = (t.affinity ?? undefined) as any;
  const preferred = affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  if (Array.isArray(preferred))
    set(
      [
        'spec',
        'affinity',
        'nodeAffinity',
        'preferredDuringSchedulingIgnoredDuringExecution',
        preferred.length,
      ],
      term,
    );
  else if (affinity?.nodeAffinity)
    set(['spec', 'affinity', 'nodeAffinity', 'preferredDuringSchedulingIgnoredDuringExecution'], [term]);
  else if (affinity)
    set(['spec', 'affinity', 'nodeAffinity'], { preferredDuringSchedulingIgnoredDuringExecution: [term] });
  else
    set(['spec', 'affinity'], { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [term] } });
  return fields;
}
