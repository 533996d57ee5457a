/**
 * Scale-down on hand-built clusters: scores computed by hand, and the drain simulation refusing
 * every node whose pods would have no home (resources, selectors, taints, anti-affinity across
 * sequential drains, spread, host ports, max pods, volume zones), PDBs and local storage.
 */
import type { KubeObject } from '../../collect/types.js';
import { deploymentWithPods, hpa, modelOf, node, pod, container } from '../../testing/model-fixtures.js';
import { analyzeScaledown, type ScaledownReport } from './analyze.js';
import { SCALEDOWN_DEFAULTS, type ScaledownArgs } from './args.js';
import type { AnalyzeContext, AnalyzerResult } from '../types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const AT = 1_800_000_000;
const ctx = (
  settings: Record<string, unknown> = {},
  overrides?: AnalyzeContext['overrides'],
): AnalyzeContext => ({
  now: AT,
  cluster: 'test',
  clusterSettings: settings,
  overrides,
});
const run = (objects: KubeObject[], args: Partial<ScaledownArgs> = {}, c = ctx()) =>
  analyzeScaledown(modelOf(objects, AT), { ...SCALEDOWN_DEFAULTS, ...args }, c);
const report = (r: AnalyzerResult) => r.reports![0]!.data as unknown as ScaledownReport;
const nodeOf = (r: AnalyzerResult, name: string) => report(r).nodes.find((n) => n.node === name)!;

/** Pods of a deployment placed on the given nodes, with extra pod-spec fields. */
function placed(
  name: string,
  nodes: string[],
  cpu = '500m',
  extra: (p: any, i: number) => void = () => {},
): KubeObject[] {
  const objs = deploymentWithPods(name, 'shop', {
    replicas: nodes.length,
    containers: [container({ name, cpu, memory: '256Mi' })],
  });
  let i = 0;
  for (const o of objs)
    if (o.kind === 'Pod') {
      (o.spec as any).nodeName = nodes[i];
      o.metadata.labels = { app: name };
      extra(o, i++);
    }
  return objs;
}
const svc = (name: string, selector: Record<string, string>, type = 'ClusterIP'): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop' },
    spec: { type, selector },
  }) as KubeObject;
/** A node the analyzer must not remove itself, so a test controls the drain order. */
const kept = (o: KubeObject): KubeObject => {
  o.metadata.annotations = { 'cluster-autoscaler.kubernetes.io/scale-down-disabled': 'true' };
  return o;
};
const pdb = (name: string, app: string, allowed: number): KubeObject =>
  ({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: 'shop' },
    spec: { minAvailable: 1, selector: { matchLabels: { app } } },
    status: { disruptionsAllowed: allowed, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 },
  }) as KubeObject;

describe('analyze/scaledown: scores', () => {
  it('computes WorkloadScore, PodScore and NodeScore as the factors say, by hand', () => {
    const objs = [
      node('node-1'),
      ...placed('web', ['node-1', 'node-1', 'node-1']),
      hpa('web', 'shop', 'web'),
      svc('web', { app: 'web' }, 'LoadBalancer'),
    ];
    (objs[1]!.spec as any).replicas = 3;
    const r = run(objs);
    const w = report(r).workloads.find((x) => x.workload === 'Deployment/shop/web')!;
    // replicas (3−1)/(5−1)·3 + hpa 1 + autoReschedule 3 + deployment 2 + test 0 + spread 0 (all on a
    // light node) + LB 0 + preStop 0 + probes 0 + stateless ½·2 + load ½·2 (no metrics) + stable 1
    // = 10.5 over weights 20
    expect(w.score).toBe(52.5);
    expect(Object.fromEntries(w.factors.map((f) => [f.name, f.value]))).toMatchObject({
      replicas: 0.5,
      hpa: 1,
      spread: 0,
      loadBalancer: 0,
      stateless: 0.5,
      stable: 1,
    });
    const n = nodeOf(r, 'node-1');
    // pod: 0.525·6 + gates 1 + endpoints 0 (serving) + load ½·2 + local 2 + 0 + 0 = 7.15 over 13 → 55
    expect(n.pods[0]!.score).toBe(55);
    // node: 3·(1 − 0.55) + 0.375·4 (requested share, no metrics) + 3/110·2 + 1/30·2 + ½·4
    expect(n.score).toBeCloseTo(1.35 + 1.5 + 0.054 + 0.066 + 2, 2);
  });

  it('reads recent load: a busy workload scores lower than an idle one', () => {
    const objs = [node('node-1', { cpu: '8' }), ...placed('busy', ['node-1']), ...placed('idle', ['node-1'])];
    const model = modelOf(objs, AT);
    model.podUsage = new Map([
      ['shop/busy-7d9f8c6b5-aaaaa', { cpu1h: 0.5, cpu5m: 0.5, memory1h: 100 * 2 ** 20 }],
      ['shop/idle-7d9f8c6b5-aaaaa', { cpu1h: 0.01, cpu5m: 0.01, memory1h: 10 * 2 ** 20 }],
    ]);
    const r = analyzeScaledown(model, SCALEDOWN_DEFAULTS, ctx());
    const score = (k: string) => report(r).workloads.find((x) => x.workload === k)!.score;
    expect(score('Deployment/shop/busy')).toBeLessThan(score('Deployment/shop/idle'));
    const pods = nodeOf(r, 'node-1').pods;
    const load = (p: string) =>
      pods.find((x) => x.pod.startsWith(p))!.factors.find((f) => f.name === 'load')!;
    expect(load('shop/busy').value).toBe(0);
    expect(load('shop/idle').value).toBe(0.961); // memory 10/256 Mi is the larger share
  });
});

describe('analyze/scaledown: candidates and packing', () => {
  const three = (extra: KubeObject[] = [], o: { big?: string } = {}) => [
    node('node-a'),
    node('node-b', { cpu: o.big ?? '4' }),
    node('node-c', { cpu: o.big ?? '4' }),
    ...placed('filler', ['node-b', 'node-c'], '2'),
    ...extra,
  ];

  it('proposes a light node whose pods fit elsewhere, with where each pod goes and the drain order', () => {
    const r = run(three(placed('web', ['node-a'])));
    const a = nodeOf(r, 'node-a');
    expect(a.status).toBe('candidate');
    expect(a.order).toBe(1);
    expect(a.moves).toEqual([
      {
        pod: 'shop/web-7d9f8c6b5-aaaaa',
        workload: 'Deployment/shop/web',
        to: expect.stringMatching(/node-[bc]/),
        cpu: 500,
        memory: 256 * 2 ** 20,
      },
    ]);
    expect(report(r).freed).toMatchObject({ nodes: 1, cpu: 4000 });
  });

  it('never proposes a node whose pods do not fit on the others', () => {
    const objs = three(placed('web', ['node-a'], '2500m'));
    (objs[0]!.status as any).allocatable.cpu = '8';
    const a = nodeOf(run(objs), 'node-a');
    expect(a.status).toBe('kept');
    expect(a.reason).toMatch(/fits on no other node: not enough CPU free \(2 node\(s\)\)/);
  });

  it('honours nodeSelector and taints', () => {
    const sel = run(three(placed('web', ['node-a'], '500m', (p) => (p.spec.nodeSelector = { disk: 'ssd' }))));
    expect(nodeOf(sel, 'node-a').reason).toMatch(/nodeSelector disk=ssd/);
    const objs = three(placed('web', ['node-a']));
    for (const o of objs)
      if (o.kind === 'Node' && o.metadata.name !== 'node-a')
        (o.spec as any).taints = [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }];
    expect(nodeOf(run(objs), 'node-a').reason).toMatch(/taint dedicated=gpu:NoSchedule not tolerated/);
  });

  it('sees earlier drains: hostname anti-affinity lets the first node go and keeps the second', () => {
    const anti = (p: any) =>
      (p.spec.affinity = {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } },
          ],
        },
      });
    const host = (n: string) => node(n, { labels: { 'kubernetes.io/hostname': n } });
    const r = run([
      host('node-a'),
      host('node-b'),
      kept(host('node-c')),
      ...placed('web', ['node-a', 'node-b'], '500m', anti),
    ]);
    expect(nodeOf(r, 'node-a')).toMatchObject({ status: 'candidate', order: 1, moves: [{ to: 'node-c' }] });
    // web-1 now lives on node-c, so web-2 has no host left that holds no web pod
    expect(nodeOf(r, 'node-b')).toMatchObject({
      status: 'kept',
      reason:
        'pod shop/web-7d9f8c6b5-bbbbb fits on no other node: required pod anti-affinity on kubernetes.io/hostname (1 node(s))',
    });
  });

  it("honours a resident pod's anti-affinity against the newcomer (the symmetric check)", () => {
    const host = (n: string) => node(n, { labels: { 'kubernetes.io/hostname': n } });
    // db on node-c refuses any pod labelled app=web on its host; web itself has no terms
    const db = placed('db', ['node-c'], '100m', (p) => {
      p.spec.affinity = {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } },
          ],
        },
      };
    });
    const r = run([host('node-a'), kept(host('node-c')), ...db, ...placed('web', ['node-a'])]);
    expect(nodeOf(r, 'node-a').reason).toBe(
      "pod shop/web-7d9f8c6b5-aaaaa fits on no other node: pod shop/db-7d9f8c6b5-aaaaa's anti-affinity (1 node(s))",
    );
    // without the term, the same node goes
    const free = run([
      host('node-a'),
      kept(host('node-c')),
      ...placed('db', ['node-c'], '100m'),
      ...placed('web', ['node-a']),
    ]);
    expect(nodeOf(free, 'node-a').status).toBe('candidate');
  });

  it('refuses a move a topology spread forbids, and honours host ports and max pods', () => {
    const zone = (n: string, z: string) => node(n, { labels: { 'topology.kubernetes.io/zone': z } });
    const spread = (p: any) =>
      (p.spec.topologySpreadConstraints = [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: 'web' } },
        },
      ]);
    // z1: node-a (web-1) and a full node-a2; z2: node-b (web-2). Moving web-1 to z2 makes z1 0, z2 2.
    const full = zone('node-a2', 'z1');
    (full.status as any).allocatable.cpu = '1';
    const r = run([
      zone('node-a', 'z1'),
      full,
      kept(zone('node-b', 'z2')),
      ...placed('filler', ['node-a2'], '1'),
      ...placed('web', ['node-a', 'node-b'], '100m', spread),
    ]);
    expect(nodeOf(r, 'node-a').reason).toBe(
      'pod shop/web-7d9f8c6b5-aaaaa fits on no other node: not enough CPU free (1 node(s)); topology spread on topology.kubernetes.io/zone (maxSkew 1) (1 node(s))',
    );

    const port = (p: any) => (p.spec.containers[0].ports = [{ containerPort: 80, hostPort: 8080 }]);
    const rp = run([
      node('node-a'),
      kept(node('node-b')),
      ...placed('web', ['node-a', 'node-b'], '100m', port),
    ]);
    expect(nodeOf(rp, 'node-a').reason).toMatch(/host port 8080 in use/);

    const one = kept(node('node-b'));
    (one.status as any).allocatable.pods = '1';
    const rm = run([node('node-a'), one, ...placed('web', ['node-a', 'node-b'], '100m')]);
    expect(nodeOf(rm, 'node-a').reason).toMatch(/max pods \(1\) reached/);
  });

  it('keeps a pod with its zonal volume', () => {
    const zone = (n: string, z: string) => node(n, { labels: { 'topology.kubernetes.io/zone': z } });
    const claim = (p: any) =>
      (p.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web' } }]);
    const objs = [
      zone('node-a', 'z1'),
      kept(zone('node-b', 'z2')),
      ...placed('web', ['node-a'], '100m', claim),
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data-web', namespace: 'shop' },
        spec: { volumeName: 'pv-1' },
      },
      {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: 'pv-1', labels: { 'topology.kubernetes.io/zone': 'z1' } },
        spec: { csi: { driver: 'ebs.csi.aws.com' } },
      },
    ] as KubeObject[];
    expect(nodeOf(run(objs), 'node-a').reason).toMatch(/volume data-web is in zone z1/);
  });

  it('reports a PodDisruptionBudget that allows no disruption, and lists the ones the evictions pass', () => {
    const blocked = run(three([...placed('web', ['node-a']), pdb('web', 'web', 0)]));
    expect(nodeOf(blocked, 'node-a')).toMatchObject({
      status: 'kept',
      reason: 'PodDisruptionBudget shop/web allows no disruption now; 1 pod(s) here need it',
    });
    const ok = run(three([...placed('web', ['node-a']), pdb('web', 'web', 1)]));
    expect(nodeOf(ok, 'node-a')).toMatchObject({
      status: 'candidate',
      evictions: [{ pdb: 'shop/web', pods: 1, allowed: 1 }],
    });
  });

  it('never a node with local storage, a bare pod, or a pod marked not to be evicted; DaemonSet pods need no home', () => {
    const local = run(
      three(placed('web', ['node-a'], '100m', (p) => (p.spec.volumes = [{ name: 'cache', emptyDir: {} }]))),
    );
    expect(nodeOf(local, 'node-a').reason).toMatch(/uses local storage \(emptyDir cache\)/);
    const memory = run(
      three(
        placed(
          'web',
          ['node-a'],
          '100m',
          (p) => (p.spec.volumes = [{ name: 'cache', emptyDir: { medium: 'Memory' } }]),
        ),
      ),
    );
    expect(nodeOf(memory, 'node-a').status).toBe('candidate');
    const bare = pod('debug', 'shop', undefined, { node: 'node-a' });
    expect(nodeOf(run(three([bare])), 'node-a').reason).toMatch(/has no controller/);
    const guard = run(
      three(
        placed(
          'web',
          ['node-a'],
          '100m',
          (p) => (p.metadata.annotations = { 'karpenter.sh/do-not-disrupt': 'true' }),
        ),
      ),
    );
    expect(nodeOf(guard, 'node-a').reason).toMatch(/do-not-disrupt/);
    const ds = pod('agent-x', 'shop', { kind: 'DaemonSet', name: 'agent' }, { node: 'node-a' });
    (ds.spec as any).volumes = [{ name: 'logs', hostPath: { path: '/var/log' } }];
    const withDs = run(three([...placed('web', ['node-a']), ds]));
    expect(nodeOf(withDs, 'node-a').status).toBe('candidate');
    expect(nodeOf(withDs, 'node-a').moves!.map((m) => m.pod)).toEqual(['shop/web-7d9f8c6b5-aaaaa']);
  });

  it('never a virtual, control-plane, opted-out or busy node', () => {
    const vk = node('vk', { labels: { type: 'virtual-kubelet' } });
    const cp = node('cp', { labels: { 'node-role.kubernetes.io/control-plane': '' } });
    const off = node('off');
    off.metadata.annotations = { 'cluster-autoscaler.kubernetes.io/scale-down-disabled': 'true' };
    const r = run([vk, cp, off, node('busy'), ...placed('web', ['busy'], '3')]);
    expect(nodeOf(r, 'vk').reason).toMatch(/virtual node/);
    expect(nodeOf(r, 'cp').reason).toMatch(/control-plane/);
    expect(nodeOf(r, 'off').reason).toMatch(/scale-down-disabled/);
    expect(nodeOf(r, 'busy').reason).toMatch(/requests 75 % of allocatable/);
  });
});

describe('analyze/scaledown: what it renders', () => {
  it('shrinks a pool whose size lives in a repo file, and never to zero', () => {
    const pool = (n: string) => node(n, { labels: { 'karpenter.sh/nodepool': 'general' } });
    const objs = [
      pool('node-a'),
      pool('node-b'),
      pool('node-c'),
      ...placed('filler', ['node-b', 'node-c'], '2'),
      ...placed('web', ['node-a']),
    ];
    const settings = {
      capacity: { nodeGroups: [{ pool: 'general', file: 'infra/pools.yaml', path: 'pools.general.size' }] },
    };
    const r = run(objs, {}, ctx(settings));
    expect(r.recommendations).toHaveLength(1);
    expect(r.recommendations[0]).toMatchObject({
      workload: 'NodeGroup//general',
      fields: [{ path: ['pools', 'general', 'size'], current: 3, proposed: 2, file: 'infra/pools.yaml' }],
    });
    const lone = run([pool('node-a'), ...placed('web', ['node-a'])], {}, ctx(settings));
    expect(lone.recommendations).toEqual([]);
  });

  it("lowers a Karpenter NodePool's limits by the drained nodes' capacity, in the limit's own units", () => {
    const pool = (n: string) => node(n, { labels: { 'karpenter.sh/nodepool': 'general' } });
    const nodePool = {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'general' },
      spec: { limits: { cpu: '100', memory: '400Gi' }, template: { spec: {} } },
    } as unknown as KubeObject;
    const objs = [
      pool('node-a'),
      pool('node-b'),
      pool('node-c'),
      nodePool,
      ...placed('filler', ['node-b', 'node-c'], '2'),
      ...placed('web', ['node-a']),
    ];
    const r = run(objs);
    expect(r.recommendations).toHaveLength(1);
    expect(r.recommendations[0]).toMatchObject({
      workload: 'NodePool//general',
      subject: 'limits',
      fields: [
        { path: ['spec', 'limits', 'cpu'], current: '100', proposed: '96' },
        { path: ['spec', 'limits', 'memory'], current: '400Gi', proposed: '384Gi' },
      ],
    });
    // a limit already at what the remaining nodes hold stays where it is
    (nodePool.spec as any).limits = { cpu: '8' };
    expect(run(objs).recommendations).toEqual([]);
  });

  it('puts the eviction guards a policy asks for on the pod template, once', () => {
    const objs = [node('node-a'), ...placed('db', ['node-a'])];
    const r = run(
      objs,
      {},
      ctx({}, (w) => (w === 'Deployment/shop/db' ? { protect: 'both' } : {})),
    );
    expect(r.recommendations).toHaveLength(1);
    expect(r.recommendations[0]!.fields.map((f) => [f.path.join('.'), f.proposed])).toEqual([
      ['spec.template.metadata.annotations.cluster-autoscaler.kubernetes.io/safe-to-evict', 'false'],
      ['spec.template.metadata.annotations.karpenter.sh/do-not-disrupt', 'true'],
    ]);
    (objs[1]!.spec as any).template.metadata.annotations = {
      'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false',
      'karpenter.sh/do-not-disrupt': 'true',
    };
    expect(
      run(
        objs,
        {},
        ctx({}, () => ({ protect: 'both' })),
      ).recommendations,
    ).toEqual([]);
  });
});
