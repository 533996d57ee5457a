/**
 * WorkloadScore, PodScore and NodeScore. Workload and pod scores say how freely something moves
 * (0–100, high = stateless, redundant, idle: move it without a second thought); the NodeScore says
 * what draining a node costs (its pods' unfreedom, its load, how much runs there, how much the
 * cluster wants to keep that kind of node), so the cheapest nodes to remove score lowest. Every
 * score keeps its factors (value in [0, 1], weight, a few words) for plan.json.
 */
import type { NodeModel, PodModel, WorkloadModel } from '../../model/types.js';
import type { NodeWeights, PodWeights, ScaledownArgs, WorkloadWeights } from './args.js';
import { podKey, requestedShare, type CapacityContext } from './context.js';
import { localStorageVolumes } from './blockers.js';

export interface Factor {
  name: string;
  /** In [0, 1]. */
  value: number;
  weight: number;
  detail: string;
}

export interface Score {
  score: number;
  factors: Factor[];
}

const DAY = 86400;
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** 100 × the weighted mean of the factor values. */
export function weighted(factors: Factor[]): number {
  const w = factors.reduce((s, f) => s + f.weight, 0);
  return w > 0 ? round((100 * factors.reduce((s, f) => s + f.value * f.weight, 0)) / w) : 0;
}

export function workloadScore(
  w: WorkloadModel,
  ctx: CapacityContext,
  args: Pick<ScaledownArgs, 'scales' | 'testNamespaces' | 'statelessAnnotation'> & {
    workloadWeights: WorkloadWeights;
  },
  now: number,
): Score {
  const m = ctx.model;
  const ww = args.workloadWeights;
  const pods = w.podNames.map((n) => m.pods.get(`${w.namespace}/${n}`)).filter((p): p is PodModel => !!p);
  const f: Factor[] = [];
  const add = (name: keyof WorkloadWeights, value: number, detail: string) =>
    f.push({ name, value: round(clamp01(value), 3), weight: ww[name], detail });

  const replicas = w.kind === 'DaemonSet' ? 0 : (w.replicas ?? pods.length);
  add(
    'replicas',
    replicas <= 1 ? 0 : (replicas - 1) / Math.max(1, args.scales.replicas - 1),
    `${replicas} replica(s)`,
  );
  add('hpa', ctx.hpaTargets.has(w.key) ? 1 : 0, ctx.hpaTargets.has(w.key) ? 'an HPA scales it' : 'no HPA');
  const pinned =
    w.template.nodeSelector['kubernetes.io/hostname'] !== undefined ||
    w.template.annotations['cluster-autoscaler.kubernetes.io/safe-to-evict'] === 'false' ||
    w.template.annotations['karpenter.sh/do-not-disrupt'] === 'true';
  const recreated = w.kind === 'Deployment' || w.kind === 'StatefulSet' || w.kind === 'ReplicaSet';
  add(
    'autoReschedule',
    recreated && !pinned ? 1 : 0,
    !recreated
      ? `${w.kind} pods are not simply recreated elsewhere`
      : pinned
        ? 'pinned to a node or marked not to be evicted'
        : 'its controller recreates evicted pods on any fitting node',
  );
  add('deployment', w.kind === 'Deployment' ? 1 : 0, w.kind);
  const ns = m.namespaces.get(w.namespace);
  const env = ns?.labels['environment'] ?? ns?.labels['env'] ?? '';
  const isTest =
    args.testNamespaces.some((re) => new RegExp(re).test(w.namespace)) ||
    /^(test|dev|qa|staging|sandbox|preview)$/.test(env);
  add('testNamespace', isTest ? 1 : 0, isTest ? `namespace ${w.namespace} is of a test kind` : 'production');
  const placed = pods.filter((p) => p.nodeName);
  const onLight = placed.filter((p) => ctx.lightNodes.has(p.nodeName!)).length;
  add(
    'spread',
    placed.length ? 1 - onLight / placed.length : 1,
    `${onLight}/${placed.length} pod(s) on lightly used nodes`,
  );
  const lb = pods.some((p) => ctx.behindLoadBalancer.has(podKey(p)));
  add('loadBalancer', lb ? 0 : 1, lb ? 'behind a load balancer or an Ingress' : 'no load balancer');
  const mains = w.template.containers;
  const share = (pred: (c: (typeof mains)[number]) => number) =>
    mains.length ? mains.reduce((s, c) => s + pred(c), 0) / mains.length : 0;
  add(
    'preStop',
    share((c) => (c.hasPreStop ? 1 : 0)),
    'containers with a preStop hook',
  );
  add(
    'probes',
    share((c) => (c.hasLivenessProbe ? 0.5 : 0) + (c.hasReadinessProbe ? 0.5 : 0)),
    'liveness and readiness probes',
  );
  const marked = w.template.annotations[args.statelessAnnotation] ?? w.annotations[args.statelessAnnotation];
  const hasClaims =
    w.kind === 'StatefulSet' || w.template.volumes.some((v) => v.type === 'persistentVolumeClaim');
  add(
    'stateless',
    marked === 'true' ? 1 : marked === 'false' ? 0 : hasClaims ? 0 : 0.5,
    marked !== undefined
      ? `${args.statelessAnnotation}: "${marked}"`
      : hasClaims
        ? 'holds persistent volumes'
        : 'not marked by its owner',
  );
  let cpu = 0;
  let req = 0;
  let measured = 0;
  for (const p of pods) {
    const u = m.podUsage?.get(podKey(p));
    const r = ctx.requests.get(podKey(p));
    if (!u || !r?.cpu) continue;
    measured++;
    cpu += u.cpu1h;
    req += r.cpu / 1000;
  }
  add(
    'load',
    measured ? 1 - cpu / req : 0.5,
    measured ? `last hour ${round((100 * cpu) / req)} % of its CPU requests` : 'no recent metrics',
  );
  const weekAgo = now - 7 * DAY;
  const rolled = pods.length > 0 && pods.every((p) => p.startedAt !== undefined && p.startedAt > weekAgo);
  const tidemark = m.history.some((h) => h.workload === w.key && h.time > weekAgo);
  const created = w.createdAt !== undefined && w.createdAt > weekAgo;
  add(
    'stable',
    created || rolled || tidemark ? 0 : 1,
    created
      ? 'created in the last 7 days'
      : rolled
        ? 'all pods replaced in the last 7 days (a rollout)'
        : tidemark
          ? 'changed by Tidemark in the last 7 days'
          : 'unchanged for 7 days',
  );
  return { score: weighted(f), factors: f };
}

export function podScore(
  pod: PodModel,
  workload: Score | undefined,
  ctx: CapacityContext,
  pw: PodWeights,
): Score {
  const f: Factor[] = [];
  const add = (name: keyof PodWeights, value: number, detail: string) =>
    f.push({ name, value: round(clamp01(value), 3), weight: pw[name], detail });
  add(
    'workload',
    (workload?.score ?? 0) / 100,
    workload ? `WorkloadScore ${workload.score}` : 'no controller: nothing recreates it',
  );
  const gates = pod.readinessGates?.filter(Boolean) ?? [];
  add('readinessGates', gates.length ? 0 : 1, gates.length ? `readiness gates ${gates.join(', ')}` : 'none');
  const served = ctx.behindService.has(podKey(pod));
  const out = !served || !pod.ready || pod.terminating === true;
  add(
    'outOfEndpoints',
    out ? 1 : 0,
    !served ? 'no Service routes to it' : out ? 'already out of its endpoints' : 'serving traffic',
  );
  const u = ctx.model.podUsage?.get(podKey(pod));
  const r = ctx.requests.get(podKey(pod));
  if (u && r && (r.cpu || r.memory)) {
    const busy = Math.max(
      r.cpu ? u.cpu1h / (r.cpu / 1000) : 0,
      r.cpu ? u.cpu5m / (r.cpu / 1000) : 0,
      r.memory ? u.memory1h / r.memory : 0,
    );
    add('load', 1 - busy, `${round(100 * busy)} % of its requests (1 h / 5 min CPU, memory)`);
  } else add('load', 0.5, 'no recent metrics');
  const local = localStorageVolumes(pod);
  const emptyDirs = pod.volumes.filter((v) => v.type === 'emptyDir' && v.medium !== 'Memory');
  add(
    'localData',
    local.length || emptyDirs.length ? 0 : 1,
    emptyDirs.length
      ? `emptyDir ${emptyDirs.map((v) => v.name).join(', ')} is lost on a move`
      : 'no node-local data',
  );
  add('notRunning', pod.phase === 'Running' ? 0 : 1, pod.phase ?? 'unknown phase');
  add('notReady', pod.ready ? 0 : 1, pod.ready ? 'Ready' : 'not Ready');
  return { score: weighted(f), factors: f };
}

export function nodeScore(
  node: NodeModel,
  pods: { pod: PodModel; score: Score }[],
  ctx: CapacityContext,
  args: Pick<ScaledownArgs, 'nodePriority' | 'scales'> & { nodeWeights: NodeWeights },
): Score {
  const nw = args.nodeWeights;
  const f: Factor[] = [];
  const movable = pods.filter((p) => !p.pod.isDaemonSet && !p.pod.isMirror);
  const cost = movable.reduce((s, p) => s + (1 - p.score.score / 100), 0);
  // Unlike the other factors this one is a sum, not a share: each pod to move adds its cost.
  f.push({
    name: 'pods',
    value: round(cost, 3),
    weight: nw.pods,
    detail: `Σ (1 − PodScore/100) over ${movable.length} pod(s) to move`,
  });
  let cpu = 0;
  let mem = 0;
  let measured = 0;
  for (const p of pods) {
    const u = ctx.model.podUsage?.get(podKey(p.pod));
    if (!u) continue;
    measured++;
    cpu += u.cpu1h * 1000;
    mem += u.memory1h;
  }
  const load = measured
    ? Math.max(
        node.allocatable.cpu ? cpu / node.allocatable.cpu : 0,
        node.allocatable.memory ? mem / node.allocatable.memory : 0,
      )
    : requestedShare(node, ctx.requested.get(node.name));
  f.push({
    name: 'load',
    value: round(clamp01(load), 3),
    weight: nw.load,
    detail: measured ? 'last hour, the larger of CPU and memory' : 'no metrics: requested share instead',
  });
  f.push({
    name: 'podCount',
    value: round(clamp01(pods.length / (node.allocatable.pods ?? args.scales.podsPerNode)), 3),
    weight: nw.podCount,
    detail: `${pods.length} pod(s)`,
  });
  const workloads = new Set(movable.map((p) => p.pod.workload ?? p.pod.name)).size;
  f.push({
    name: 'workloadCount',
    value: round(clamp01(workloads / args.scales.workloadsPerNode), 3),
    weight: nw.workloadCount,
    detail: `${workloads} workload(s)`,
  });
  const rule = args.nodePriority.find(
    (r) => node.labels[r.label] !== undefined && (r.value === undefined || node.labels[r.label] === r.value),
  );
  f.push({
    name: 'priority',
    value: rule ? clamp01(rule.keep) : 0.5,
    weight: nw.priority,
    detail: rule ? `${rule.label}${rule.value !== undefined ? `=${rule.value}` : ''}` : 'no priority label',
  });
  return {
    score: round(
      f.reduce((s, x) => s + x.value * x.weight, 0),
      2,
    ),
    factors: f,
  };
}
