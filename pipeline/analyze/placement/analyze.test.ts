/**
 * Placement: eligibility per provider and feature, the economics on a constructed workload checked
 * by hand, the decisions (not movable, burst where unsupported, no profile, too little saving),
 * and golden renders per provider and mode through the real renderer, valid as Deployments.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../../collect/types.js';
import type { ClusterModel } from '../../model/types.js';
import { container, deploymentWithPods, deployment, modelOf, node } from '../../testing/model-fixtures.js';
import { tempRepo } from '../../testing/temp-repo.js';
import { referenceValidator } from '../../testing/reference-schemas.js';
import { packageRoot } from '../../core/json-schema.js';
import { silentLogger } from '../../core/logger.js';
import { renderChanges } from '../../render/index.js';
import type { WorkloadChange } from '../../plan/types.js';
import type { AnalyzeContext, AnalyzerResult } from '../types.js';
import { analyzePlacement } from './analyze.js';
import { PLACEMENT_DEFAULTS, type PlacementArgs, type PlacementSettings, type ProviderId } from './args.js';
import { PROVIDERS } from './providers.js';
import { featuresOf } from './eligibility.js';
import { economics, HOURS_PER_MONTH } from './economics.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const AT = 1_800_000_000 - (1_800_000_000 % 86400);
const DAYS = 14;
const STEP = 900;
const PRICES = { cpuCoreHour: 0.03, memoryGiBHour: 0.004, currency: 'USD' };

/** 2 replicas all day, 6 from 12:00 to 14:00 UTC: 88 slots of 2 and 8 of 6 per day. */
function withPeakUsage(model: ClusterModel, key = 'Deployment/shop/api'): ClusterModel {
  const slots = (DAYS * 86400) / STEP;
  const start = AT - DAYS * 86400;
  const pods = new Float32Array(slots);
  const cpu = new Float32Array(slots);
  for (let i = 0; i < slots; i++) {
    const hour = ((i * STEP) % 86400) / 3600;
    pods[i] = hour >= 12 && hour < 14 ? 6 : 2;
    cpu[i] = pods[i]! * 0.4;
  }
  model.usage.set(key, {
    workload: key,
    window: { start, end: AT, step: 300 },
    containers: new Map(),
    demand: { start, step: STEP, cpu, cpuMax: cpu, memory: new Float32Array(slots), pods },
    ooms: [],
    restarts: [],
    instances: 2,
  });
  return model;
}

const apiObjects = (
  o: { podAnnotations?: Record<string, string>; spec?: (s: any) => void } = {},
): KubeObject[] => {
  const objs = deploymentWithPods('api', 'shop', {
    replicas: 2,
    containers: [container({ name: 'api', cpu: '1', memory: '2Gi' })],
  });
  const d = objs[0]!;
  (d.spec as any).template.metadata.annotations = o.podAnnotations ?? {};
  o.spec?.((d.spec as any).template.spec);
  for (const p of objs) if (p.kind === 'Pod') (p.spec as any).nodeName = 'node-1';
  return [node('node-1'), node('node-2'), ...objs];
};

const ctx = (
  settings: PlacementSettings,
  score = 80,
  overrides?: AnalyzeContext['overrides'],
): AnalyzeContext => ({
  now: AT,
  cluster: 'test',
  clusterSettings: { placement: settings },
  prices: PRICES,
  overrides,
  upstream: new Map([
    [
      'scaledown',
      {
        recommendations: [],
        skipped: [],
        reports: [
          {
            analyzer: 'scaledown',
            title: '',
            data: { workloads: [{ workload: 'Deployment/shop/api', score }] },
          },
        ],
      },
    ],
  ]),
});
const analyze = (
  model: ClusterModel,
  settings: PlacementSettings,
  args: Partial<PlacementArgs> = {},
  score = 80,
) => analyzePlacement(model, { ...PLACEMENT_DEFAULTS, ...args }, ctx(settings, score));
const fargate: PlacementSettings = {
  provider: 'eks-fargate',
  fargateProfile: { name: 'serverless', selectors: [{ namespace: 'shop', labels: { compute: 'fargate' } }] },
};

describe('analyze/placement: eligibility', () => {
  const blocked = (
    provider: ProviderId,
    spec: (s: any) => void,
    kind = 'Deployment',
    ann: Record<string, string> = {},
  ) => {
    const d = deployment('w', 'shop', { kind, podAnnotations: ann });
    spec((d.spec as any).template.spec);
    const m = modelOf([d]);
    return featuresOf(m, m.workloads.get(`${kind}/shop/w`)!, PROVIDERS[provider]).map((b) => b.feature);
  };
  const all: ProviderId[] = ['tke-eks', 'virtual-kubelet', 'aks-aci', 'eks-fargate'];
  const table: [string, (s: any) => void, ProviderId[]][] = [
    ['privileged', (s) => (s.containers[0].securityContext = { privileged: true }), all],
    ['host-network', (s) => (s.hostNetwork = true), all],
    ['host-port', (s) => (s.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]), all],
    [
      'host-path',
      (s) => (s.volumes = [{ name: 'h', hostPath: { path: '/x' } }]),
      ['virtual-kubelet', 'aks-aci', 'eks-fargate'],
    ],
    ['gpu', (s) => (s.containers[0].resources.limits = { 'nvidia.com/gpu': '1' }), all],
    ['probes', (s) => (s.containers[0].readinessProbe = { httpGet: { path: '/', port: 80 } }), ['aks-aci']],
    ['init-containers', (s) => (s.initContainers = [{ name: 'init', image: 'x' }]), ['aks-aci']],
    [
      'persistent-volume',
      (s) => (s.volumes = [{ name: 'd', persistentVolumeClaim: { claimName: 'c' } }]),
      ['virtual-kubelet', 'aks-aci', 'eks-fargate', 'tke-eks'],
    ],
  ];
  it.each(table)('%s blocks exactly where the provider does not support it', (feature, spec, where) => {
    for (const p of all)
      expect([p, blocked(p, spec).includes(feature as any)]).toEqual([p, where.includes(p)]);
  });

  it('lets a GPU through on TKE only with the gpu-type annotation; DaemonSets never; an unmarked pod is clean', () => {
    const gpu = (s: any) => (s.containers[0].resources.limits = { 'nvidia.com/gpu': '1' });
    expect(blocked('tke-eks', gpu, 'Deployment', { 'eks.tke.cloud.tencent.com/gpu-type': 'T4' })).toEqual([]);
    for (const p of all) expect(blocked(p, () => {}, 'DaemonSet')).toEqual(['daemonset']);
    for (const p of all) expect(blocked(p, () => {})).toEqual([]);
  });

  it('accepts a TKE CBS volume on super nodes and refuses it elsewhere; a local PV nowhere', () => {
    const claim = (driver: object) => {
      const d = deployment('w', 'shop');
      (d.spec as any).template.spec.volumes = [{ name: 'd', persistentVolumeClaim: { claimName: 'c' } }];
      const pvc = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'c', namespace: 'shop' },
        spec: { volumeName: 'pv' },
      };
      const pv = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv' }, spec: driver };
      const m = modelOf([d, pvc, pv] as KubeObject[]);
      return (p: ProviderId) =>
        featuresOf(m, m.workloads.get('Deployment/shop/w')!, PROVIDERS[p]).map((b) => b.feature);
    };
    const cbs = claim({ csi: { driver: 'com.tencent.cloud.csi.cbs' } });
    expect(cbs('tke-eks')).toEqual([]);
    expect(cbs('eks-fargate')).toEqual(['persistent-volume']);
    const local = claim({ local: { path: '/mnt/disk' } });
    for (const p of all) expect(local(p)).toEqual(['local-volume']);
  });
});

describe('analyze/placement: economics', () => {
  it('prices nodes by what requests take at the cluster packing, and serverless by the rounded pod', () => {
    const reps = Array.from({ length: 96 }, (_, i) => (i >= 48 && i < 56 ? 6 : 2));
    const e = economics({
      pod: { cpu: 1, gib: 2 },
      provider: PROVIDERS['eks-fargate'],
      price: PLACEMENT_DEFAULTS.prices['eks-fargate'],
      node: { coreHour: 0.03, gibHour: 0.004 },
      packing: 0.25,
      replicas: reps,
      slotHours: 0.25,
    });
    const nodeHourly = (1 * 0.03 + 2 * 0.004) / 0.3; // packing is never taken below 30 %
    const fargateHourly = 1 * 0.04048 + 3 * 0.004445; // 2 GiB + 256 MiB rounds up to 3 GiB at 1 vCPU
    const mean = (88 * 2 + 8 * 6) / 96;
    expect(e.serverlessPod).toEqual({ cpu: 1, gib: 3 });
    expect(e.replicas).toEqual({ median: 2, mean: 2.33, peak: 6 });
    expect(e.monthly.nodes).toBeCloseTo(mean * nodeHourly * HOURS_PER_MONTH, 1);
    expect(e.monthly.migrate).toBeCloseTo(mean * fargateHourly * HOURS_PER_MONTH, 1);
    expect(e.monthly.burstBuffer).toBeCloseTo(4 * nodeHourly * HOURS_PER_MONTH, 1);
    // 8 slots × 4 replicas × ¼ h a day = 8 replica-hours of 24
    expect(e.monthly.burstServerless).toBeCloseTo((8 / 24) * fargateHourly * HOURS_PER_MONTH, 1);
  });

  it('rounds pod sizes to each provider table', () => {
    expect(PROVIDERS['eks-fargate'].round!(0.3, 0.2)).toEqual({ cpu: 0.5, gib: 1 });
    expect(PROVIDERS['eks-fargate'].round!(0.25, 1.9)).toEqual({ cpu: 0.5, gib: 3 });
    expect(PROVIDERS['tke-eks'].round!(0.3, 5)).toEqual({ cpu: 1, gib: 5 }); // 0.5 core allows 4 GiB at most
    expect(PROVIDERS['tke-eks'].round!(3, 2.2)).toEqual({ cpu: 4, gib: 3 });
  });
});

describe('analyze/placement: decisions', () => {
  it('bursts to TKE where the peak buffer costs more than serverless replica-hours', () => {
    const r = analyze(withPeakUsage(modelOf(apiObjects(), AT)), { provider: 'tke-eks' });
    expect(r.skipped).toEqual([]);
    const rec = r.recommendations[0]!;
    expect(rec.subject).toBe('burst to tke-eks');
    expect(rec.evidence.why).toMatch(
      /^2 replica\(s\) stay on nodes; the 4 above it run only 8 % of the time/,
    );
    expect((rec.details as any).economics.saving.burst).toBeGreaterThan(0);
  });

  it('says why it does not: not movable enough, burst on Fargate, no profile for the namespace, too little saving', () => {
    const m = () => withPeakUsage(modelOf(apiObjects(), AT));
    expect(analyze(m(), { provider: 'tke-eks' }, {}, 40).skipped[0]).toMatchObject({
      reason: 'not-eligible',
      detail: 'WorkloadScore 40 < 60: not movable enough to run on a virtual node',
    });
    expect(analyze(m(), fargate).skipped[0]).toMatchObject({
      reason: 'not-supported',
      detail: expect.stringMatching(/burst is unsupported/),
    });
    const other: PlacementSettings = {
      provider: 'eks-fargate',
      fargateProfile: { name: 'p', selectors: [{ namespace: 'batch' }] },
    };
    expect(analyze(m(), other, { mode: 'migrate' }).skipped[0]).toMatchObject({
      reason: 'not-supported',
      detail: expect.stringMatching(/no selector of the Fargate profile p covers namespace shop/),
    });
    expect(analyze(m(), { provider: 'tke-eks' }, { minMonthlySaving: 10_000 }).skipped[0]).toMatchObject({
      reason: 'below-threshold',
    });
    expect(analyze(m(), { provider: 'aks-aci' }, {}, 80).recommendations).toHaveLength(1);
    const probed = withPeakUsage(
      modelOf(apiObjects({ spec: (s) => (s.containers[0].livenessProbe = { tcpSocket: { port: 80 } }) }), AT),
    );
    expect(analyze(probed, { provider: 'aks-aci' }).skipped[0]).toMatchObject({
      reason: 'not-eligible',
      detail: 'AKS virtual node (ACI) cannot run it: container api has probes',
    });
    expect(analyze(m(), {}).recommendations).toEqual([]); // no provider configured: nothing
    const off = analyzePlacement(
      m(),
      PLACEMENT_DEFAULTS,
      ctx({ provider: 'tke-eks' }, 80, () => ({ mode: 'off' })),
    );
    expect(off).toEqual({ recommendations: [], skipped: [] });
  });
});

describe('analyze/placement: golden renders', () => {
  const FIX = join(packageRoot(), 'fixtures', 'placement');
  const gitYaml = `# api: the shop's public API
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 2   # the HPA owns this in production
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: registry.example.com/app:1.0
          resources:
            requests: {cpu: "1", memory: 2Gi}
`;
  const cases: [ProviderId, 'burst' | 'migrate'][] = [
    ['tke-eks', 'burst'],
    ['tke-eks', 'migrate'],
    ['virtual-kubelet', 'burst'],
    ['virtual-kubelet', 'migrate'],
    ['aks-aci', 'burst'],
    ['aks-aci', 'migrate'],
    ['eks-fargate', 'migrate'],
  ];
  it.each(cases)('%s %s', async (provider, mode) => {
    const model = withPeakUsage(modelOf(apiObjects(), AT));
    const settings = provider === 'eks-fargate' ? fargate : { provider };
    const r: AnalyzerResult = analyze(model, settings, { mode });
    expect(r.skipped).toEqual([]);
    const rec = r.recommendations[0]!;
    const change: WorkloadChange = {
      cluster: 'test',
      workload: rec.workload,
      recommendations: [],
      objects: [],
      handOver: [],
      fields: rec.fields.map((f) => ({ ...f, analyzer: 'placement', recommendation: rec.id })),
    };
    const root = tempRepo({ 'clusters/test/shop/api.yaml': gitYaml }, 'tidemark-placement-');
    const out = await renderChanges({
      repoDir: root,
      repo: { path: root, root: 'clusters/test' } as any,
      cluster: 'test',
      model,
      changes: [change],
      logger: silentLogger,
    });
    expect(out.skipped).toEqual([]);
    const after = out.edits[0]!.after;
    const file = join(FIX, `${provider}-${mode}.yaml`);
    if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, after);
    expect(after).toBe(readFileSync(file, 'utf8'));
    // only additions: every line of the original is still there, in order
    const kept = gitYaml.split('\n').filter((l) => after.split('\n').includes(l));
    expect(kept).toEqual(gitYaml.split('\n'));
    const upstream = referenceValidator('apps_Deployment_v1.json');
    if (upstream) expect(upstream(parse(after))).toBe(true);
  });
});
