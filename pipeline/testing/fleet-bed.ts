/**
 * A fleet on disk: N clusters that share one GitOps repository (plain manifests under
 * `clusters/<name>/<namespace>/`), each with its own snapshot and OpenMetrics history, and one
 * config naming them all. For the concurrent-push test (two `run`s at once against one
 * repository) and the fleet bench (50 clusters run one by one, then summarized).
 *
 * Deterministic per (cluster, seed): Deployments of 2–5 replicas, 15 % with a sidecar, requests
 * 500m / 512Mi, CPU usage 0.02–0.42 cores with a daily cycle, memory 64–464 MiB.
 */
import { createWriteStream, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { prng } from '../core/prng.js';
import { bedNode, writeSnapshotLists } from './snapshot-lists.js';

export interface FleetBedSpec {
  clusters: number;
  containersPerCluster: number;
  days: number;
  /** Seconds between samples. */
  scrape: number;
  /** Unix seconds of the last sample (the window ends there). */
  end: number;
  seed: number;
  /**
   * Distinct clusters (default: all). Cluster i ≥ distinct is a replica of cluster i mod distinct
   * (the same services, as regional copies are): its own snapshot and manifests, and the same
   * metrics file linked, so a large fleet fits on a disk.
   */
  distinct?: number;
}

export interface FleetBed {
  dir: string;
  config: string;
  repo: string;
  clusters: string[];
  /** Samples written per cluster. */
  samples: number;
}

interface Pod {
  namespace: string;
  workload: string;
  replicaSet: string;
  pod: string;
  containers: string[];
  node: string;
}

export const clusterName = (i: number): string => `cluster-${String(i).padStart(3, '0')}`;

function layout(containers: number, seed: number): Pod[] {
  const rnd = prng(seed);
  const pods: Pod[] = [];
  let count = 0;
  for (let w = 0; count < containers; w++) {
    const namespace = `team-${String(Math.floor(w / 40)).padStart(3, '0')}`;
    const workload = `svc-${String(w).padStart(5, '0')}`;
    const replicas = 2 + Math.floor(rnd() * 4);
    const sidecar = rnd() < 0.15;
    const replicaSet = `${workload}-${(w * 7919 + seed).toString(36).padStart(6, 'x').slice(-6)}`;
    for (let r = 0; r < replicas && count < containers; r++) {
      const names = sidecar && count + 2 <= containers ? ['app', 'proxy'] : ['app'];
      pods.push({
        namespace,
        workload,
        replicaSet,
        pod: `${replicaSet}-${r.toString(36).padStart(5, 'q')}`,
        containers: names,
        node: `node-${String(Math.floor(pods.length / 30)).padStart(4, '0')}`,
      });
      count += names.length;
    }
  }
  return pods;
}

const RESOURCES = { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '512Mi' } };

function writeSnapshot(pods: Pod[], dir: string): void {
  mkdirSync(dir, { recursive: true });
  const byWorkload = new Map<string, Pod[]>();
  for (const p of pods)
    byWorkload.set(`${p.namespace}/${p.workload}`, [
      ...(byWorkload.get(`${p.namespace}/${p.workload}`) ?? []),
      p,
    ]);
  let uid = 0;
  const id = (): string => `00000000-0000-0000-0000-${String(++uid).padStart(12, '0')}`;
  const deployments: object[] = [];
  const replicasets: object[] = [];
  const podObjs: object[] = [];
  for (const [key, ps] of byWorkload) {
    const [namespace, name] = key.split('/') as [string, string];
    const containers = ps[0]!.containers.map((c) => ({
      name: c,
      image: `registry.example.com/${c}:1.0`,
      resources: RESOURCES,
    }));
    const template = { metadata: { labels: { app: name } }, spec: { containers } };
    const dep = id();
    const rs = id();
    deployments.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, uid: dep, labels: { app: name }, generation: 1 },
      spec: { replicas: ps.length, selector: { matchLabels: { app: name } }, template },
      status: { replicas: ps.length, readyReplicas: ps.length, observedGeneration: 1 },
    });
    replicasets.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: ps[0]!.replicaSet,
        namespace,
        uid: rs,
        labels: { app: name },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: dep, controller: true }],
      },
      spec: { replicas: ps.length, selector: { matchLabels: { app: name } }, template },
    });
    for (const p of ps)
      podObjs.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: p.pod,
          namespace,
          uid: id(),
          labels: { app: name },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: p.replicaSet, uid: rs, controller: true },
          ],
        },
        spec: { nodeName: p.node, containers },
        status: {
          phase: 'Running',
          containerStatuses: p.containers.map((n) => ({
            name: n,
            ready: true,
            restartCount: 0,
            state: { running: {} },
          })),
        },
      });
  }
  const nodes = [...new Set(pods.map((p) => p.node))].map((n) => bedNode(n, id()));
  writeSnapshotLists(dir, { deployments, replicasets, pods: podObjs, nodes: nodes });
}

/** One multi-document file per namespace, as a platform team writes them. */
function writeManifests(pods: Pod[], dir: string): void {
  const files = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const p of pods) {
    if (seen.has(`${p.namespace}/${p.workload}`)) continue;
    seen.add(`${p.namespace}/${p.workload}`);
    const replicas = pods.filter((q) => q.namespace === p.namespace && q.workload === p.workload).length;
    const doc = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      `  name: ${p.workload}`,
      `  namespace: ${p.namespace}`,
      'spec:',
      `  replicas: ${replicas}`,
      '  selector:',
      `    matchLabels: { app: ${p.workload} }`,
      '  template:',
      '    metadata:',
      `      labels: { app: ${p.workload} }`,
      '    spec:',
      '      containers:',
      ...p.containers.flatMap((n) => [
        `        - name: ${n}`,
        `          image: registry.example.com/${n}:1.0`,
        '          resources:',
        '            requests:',
        '              cpu: 500m',
        '              memory: 512Mi',
        '            limits:',
        '              memory: 512Mi',
      ]),
    ].join('\n');
    files.set(p.namespace, [...(files.get(p.namespace) ?? []), doc]);
  }
  for (const [ns, docs] of files) {
    mkdirSync(join(dir, ns), { recursive: true });
    writeFileSync(join(dir, ns, 'deployments.yaml'), docs.join('\n---\n') + '\n');
  }
}

/** cAdvisor's two series per container over the window, family by family, each series in time order. */
async function writeMetrics(pods: Pod[], spec: FleetBedSpec, seed: number, file: string): Promise<number> {
  const rnd = prng(seed + 1);
  const shapes: { cpu: number; amp: number; mem: number; phase: number }[] = [];
  for (const p of pods)
    for (const _c of p.containers)
      shapes.push({
        cpu: 0.02 + rnd() * 0.4,
        amp: rnd() * 0.8,
        mem: (64 + rnd() * 400) * 2 ** 20,
        phase: rnd() * 2 * Math.PI,
      });
  const start = spec.end - spec.days * 86400;
  const out = createWriteStream(file, { highWaterMark: 1 << 22 });
  let buf = '';
  let lines = 0;
  const flush = async (force = false): Promise<void> => {
    if (buf.length < 1 << 22 && !force) return;
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  const noise = (i: number, t: number): number => {
    const x = Math.sin(i * 12.9898 + t * 0.000078233) * 43758.5453;
    return x - Math.floor(x);
  };
  for (const family of ['cpu', 'memory'] as const) {
    buf +=
      family === 'cpu'
        ? '# TYPE container_cpu_usage_seconds counter\n'
        : '# TYPE container_memory_working_set_bytes gauge\n';
    let i = 0;
    for (const p of pods)
      for (const c of p.containers) {
        const s = shapes[i]!;
        const labels = `{namespace="${p.namespace}",pod="${p.pod}",container="${c}",node="${p.node}"}`;
        let counter = 1000;
        for (let t = start; t <= spec.end; t += spec.scrape) {
          if (family === 'cpu') {
            const cores =
              s.cpu * (1 + s.amp * Math.sin((2 * Math.PI * t) / 86400 + s.phase)) +
              0.05 * s.cpu * noise(i, t);
            counter += Math.max(0, cores) * spec.scrape;
            buf += `container_cpu_usage_seconds_total${labels} ${counter.toFixed(3)} ${t}\n`;
          } else {
            buf += `container_memory_working_set_bytes${labels} ${Math.round(s.mem + 16 * 2 ** 20 * noise(i + 7, t))} ${t}\n`;
          }
          lines++;
        }
        await flush();
        i++;
      }
  }
  buf += '# EOF\n';
  await flush(true);
  out.end();
  await once(out, 'finish');
  return lines;
}

/**
 * Writes the fleet under `dir`: `gitops/` (not yet a git repository: the caller commits it),
 * `clusters/<name>/{snapshot/,metrics.om}` and `tidemark.yaml` with every cluster and `extra`.
 */
export async function writeFleetBed(dir: string, spec: FleetBedSpec, extra = ''): Promise<FleetBed> {
  const repo = join(dir, 'gitops');
  const names: string[] = [];
  let samples = 0;
  const distinct = Math.min(spec.distinct ?? spec.clusters, spec.clusters);
  for (let c = 0; c < spec.clusters; c++) {
    const name = clusterName(c);
    names.push(name);
    const seed = spec.seed + (c % distinct) * 101;
    const pods = layout(spec.containersPerCluster, seed);
    writeSnapshot(pods, join(dir, 'clusters', name, 'snapshot'));
    writeManifests(pods, join(repo, 'clusters', name));
    const metrics = join(dir, 'clusters', name, 'metrics.om');
    if (c < distinct) samples = await writeMetrics(pods, spec, seed, metrics);
    else symlinkSync(join(dir, 'clusters', clusterName(c % distinct), 'metrics.om'), metrics);
  }
  const config = join(dir, 'tidemark.yaml');
  writeFileSync(
    config,
    [
      'apiVersion: tidemark.io/v1alpha1',
      'kind: Pipeline',
      'clusters:',
      ...names.flatMap((n, i) => [
        `  - name: ${n}`,
        `    group: wave-${i % 2}`,
        `    kubernetes: { snapshot: clusters/${n}/snapshot }`,
        `    metrics: { openmetrics: clusters/${n}/metrics.om }`,
        `    repo: { path: gitops/, root: clusters/${n} }`,
      ]),
      'prices: { cpuCoreHour: 0.031, memoryGiBHour: 0.0042 }',
      extra,
      '',
    ].join('\n'),
  );
  return { dir, config, repo, clusters: names, samples };
}
