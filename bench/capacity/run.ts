/**
 * `npm run bench:capacity [-- --nodes 1000 --pods-per-node 30]`: the scale-down and placement
 * analyzers on a synthetic cluster shaped like a production one — three zones, a quarter of the
 * nodes lightly used, Deployments of 2–12 replicas, one in five with hostname anti-affinity, one
 * in three spread over zones, PDBs, Services — built through the real model builder. Prints and
 * writes bench/results/capacity-<nodes>.json: model build, each analyzer's time, candidates found,
 * drains simulated, peak RSS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import type { KubeObject } from '../../pipeline/collect/types.js';
import { buildClusterModel } from '../../pipeline/model/build/index.js';
import { analyzeScaledown, type ScaledownReport } from '../../pipeline/analyze/scaledown/analyze.js';
import { SCALEDOWN_DEFAULTS } from '../../pipeline/analyze/scaledown/args.js';
import { analyzePlacement } from '../../pipeline/analyze/placement/analyze.js';
import { PLACEMENT_DEFAULTS } from '../../pipeline/analyze/placement/args.js';
import { prng } from '../../pipeline/core/prng.js';

const here = dirname(fileURLToPath(import.meta.url));
const opts = new Command()
  .option('--nodes <n>', 'nodes', (v) => Number(v), 1000)
  .option('--pods-per-node <n>', 'pods on a busy node', (v) => Number(v), 30)
  .option(
    '--max-nodes <n>',
    'scale-down maxNodes (how many drains are simulated and kept)',
    (v) => Number(v),
    3,
  )
  .parse()
  .opts<{ nodes: number; podsPerNode: number; maxNodes: number }>();

const rand = prng(42);
const objects: KubeObject[] = [];
const zones = ['a', 'b', 'c'];
const nodeNames: string[] = [];
for (let i = 0; i < opts.nodes; i++) {
  const name = `node-${i}`;
  nodeNames.push(name);
  const res = { cpu: '16', memory: '64Gi', pods: '110' };
  objects.push({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'topology.kubernetes.io/zone': `eu-west-1${zones[i % 3]}`,
        'karpenter.sh/nodepool': i % 10 === 0 ? 'spot' : 'general',
      },
    },
    spec: {},
    status: { capacity: res, allocatable: res, conditions: [{ type: 'Ready', status: 'True' }] },
  } as KubeObject);
}
// A quarter of the nodes get few pods: the candidates.
const capacityOf = (i: number) => (i % 4 === 0 ? 3 : opts.podsPerNode);
const slots: string[] = nodeNames.flatMap((n, i) => Array.from({ length: capacityOf(i) }, () => n));
for (let i = slots.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [slots[i], slots[j]] = [slots[j]!, slots[i]!];
}
let d = 0;
while (slots.length) {
  const replicas = Math.min(slots.length, 2 + Math.floor(rand() * 11));
  const name = `svc-${d}`;
  const ns = `team-${d % 40}`;
  const anti = d % 5 === 0;
  const spread = d % 3 === 0;
  const template = {
    metadata: { labels: { app: name } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/app:1',
          resources: {
            requests: {
              cpu: `${100 + Math.floor(rand() * 400)}m`,
              memory: `${128 + Math.floor(rand() * 768)}Mi`,
            },
          },
          readinessProbe: { httpGet: { path: '/', port: 80 } },
        },
      ],
      ...(anti
        ? {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: name } } },
                ],
              },
            },
          }
        : {}),
      ...(spread
        ? {
            topologySpreadConstraints: [
              {
                maxSkew: 2,
                topologyKey: 'topology.kubernetes.io/zone',
                whenUnsatisfiable: 'DoNotSchedule',
                labelSelector: { matchLabels: { app: name } },
              },
            ],
          }
        : {}),
    },
  };
  objects.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template },
  } as KubeObject);
  objects.push({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${name}-abc`,
      namespace: ns,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, controller: true }],
    },
    spec: { replicas, template },
  } as KubeObject);
  objects.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector: { app: name } },
  } as KubeObject);
  if (d % 2 === 0)
    objects.push({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, namespace: ns },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: name } } },
      status: { disruptionsAllowed: 1 },
    } as KubeObject);
  for (let r = 0; r < replicas; r++) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${name}-abc-${r}`,
        namespace: ns,
        labels: { app: name },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-abc`, controller: true },
        ],
      },
      spec: { ...template.spec, nodeName: slots.pop() },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    } as KubeObject);
  }
  d++;
}

const at = 1_800_000_000;
let t0 = performance.now();
const model = buildClusterModel({ objects, facts: {} }, { cluster: 'bench', at });
const modelMs = performance.now() - t0;
t0 = performance.now();
const ctx = {
  now: at,
  cluster: 'bench',
  clusterSettings: {},
  prices: { cpuCoreHour: 0.03, memoryGiBHour: 0.004, currency: 'USD' },
};
const scaledown = analyzeScaledown(model, { ...SCALEDOWN_DEFAULTS, maxNodes: opts.maxNodes }, ctx);
const scaledownMs = performance.now() - t0;
const report = scaledown.reports![0]!.data as unknown as ScaledownReport;
t0 = performance.now();
analyzePlacement(model, PLACEMENT_DEFAULTS, {
  ...ctx,
  clusterSettings: { placement: { provider: 'tke-eks' } },
  upstream: new Map([['scaledown', scaledown]]),
});
const placementMs = performance.now() - t0;
const result = {
  nodes: opts.nodes,
  maxNodes: opts.maxNodes,
  pods: model.pods.size,
  workloads: model.workloads.size,
  modelMs: Math.round(modelMs),
  scaledownMs: Math.round(scaledownMs),
  placementMs: Math.round(placementMs),
  candidates: report.nodes.filter((n) => n.status === 'candidate').length,
  drainsSimulated: report.nodes.filter(
    (n) => n.status === 'candidate' || /fits on no other node/.test(n.reason),
  ).length,
  keptReasons: Object.entries(
    report.nodes
      .filter((n) => n.status === 'kept')
      .reduce<Record<string, number>>((acc, n) => {
        const k = n.reason.replace(/[\d.]+/g, 'N').slice(0, 60);
        acc[k] = (acc[k] ?? 0) + 1;
        return acc;
      }, {}),
  )
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5),
  peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(join(here, '..', 'results'), { recursive: true });
writeFileSync(
  join(here, '..', 'results', `capacity-${opts.nodes}-max${opts.maxNodes}.json`),
  JSON.stringify(result, null, 2) + '\n',
);
