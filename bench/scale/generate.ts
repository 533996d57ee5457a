/**
 * A synthetic cluster for bench:scale: N containers in Deployments of 2–5 replicas, 40
 * workloads per namespace, a plain-manifest GitOps repo that matches the live state, and
 * cAdvisor history written one UTC day at a time (so each day backfills into one 24 h block and
 * the text is deleted before the next day is written).
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { prng } from '../../pipeline/core/prng.js';
import { bedNode, writeSnapshotLists } from '../../pipeline/testing/snapshot-lists.js';

export interface ScaleSpec {
  containers: number;
  days: number;
  scrape: number;
  end: number;
  seed: number;
}

export interface SyntheticPod {
  namespace: string;
  workload: string;
  pod: string;
  containers: string[];
  node: string;
}

const MiB = 2 ** 20;

export function layout(spec: ScaleSpec): SyntheticPod[] {
  const rnd = prng(spec.seed);
  const pods: SyntheticPod[] = [];
  let count = 0;
  let w = 0;
  while (count < spec.containers) {
    const ns = `team-${String(Math.floor(w / 40)).padStart(3, '0')}`;
    const workload = `svc-${String(w).padStart(5, '0')}`;
    const replicas = 2 + Math.floor(rnd() * 4);
    const sidecar = rnd() < 0.15;
    const hash = (w * 7919).toString(36).padStart(6, 'x').slice(-6);
    for (let r = 0; r < replicas && count < spec.containers; r++) {
      const containers = sidecar && count + 2 <= spec.containers ? ['app', 'proxy'] : ['app'];
      pods.push({
        namespace: ns,
        workload,
        pod: `${workload}-${hash}-${r.toString(36).padStart(5, 'q')}`,
        containers,
        node: `node-${String(Math.floor(pods.length / 30)).padStart(4, '0')}`,
      });
      count += containers.length;
    }
    w++;
  }
  return pods;
}

/** Snapshot (JSON Lists) and GitOps repo (one multi-document file per namespace). */
export function writeClusterAndRepo(pods: SyntheticPod[], dir: string): { snapshot: string; repo: string } {
  const snapshot = join(dir, 'cluster');
  const repo = join(dir, 'gitops');
  mkdirSync(snapshot, { recursive: true });
  const byWorkload = new Map<string, SyntheticPod[]>();
  for (const p of pods) {
    const k = `${p.namespace}/${p.workload}`;
    if (!byWorkload.has(k)) byWorkload.set(k, []);
    byWorkload.get(k)!.push(p);
  }
  const resources = { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '512Mi' } };
  const containerSpec = (name: string): object => ({
    name,
    image: `registry.example.com/${name}:1.0`,
    resources,
  });
  const deployments: object[] = [];
  const replicasets: object[] = [];
  const podObjs: object[] = [];
  const nodes = new Set<string>();
  const manifests = new Map<string, string[]>();
  let uid = 0;
  const id = (): string => `00000000-0000-0000-0000-${String(++uid).padStart(12, '0')}`;
  for (const [key, ps] of byWorkload) {
    const [namespace, name] = key.split('/') as [string, string];
    const names = ps[0]!.containers;
    const template = {
      metadata: { labels: { app: name } },
      spec: { containers: names.map(containerSpec) },
    };
    const depUid = id();
    const rsUid = id();
    const rsName = replicaSetOf(ps[0]!);
    deployments.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, uid: depUid, labels: { app: name }, generation: 1 },
      spec: { replicas: ps.length, selector: { matchLabels: { app: name } }, template },
      status: { replicas: ps.length, readyReplicas: ps.length, observedGeneration: 1 },
    });
    replicasets.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace,
        uid: rsUid,
        labels: { app: name },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: depUid, controller: true }],
      },
      spec: { replicas: ps.length, selector: { matchLabels: { app: name } }, template },
    });
    for (const p of ps) {
      nodes.add(p.node);
      podObjs.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: p.pod,
          namespace,
          uid: id(),
          labels: { app: name },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: rsUid, controller: true },
          ],
        },
        spec: { nodeName: p.node, containers: names.map(containerSpec) },
        status: {
          phase: 'Running',
          containerStatuses: names.map((n) => ({
            name: n,
            ready: true,
            restartCount: 0,
            state: { running: {} },
          })),
        },
      });
    }
    const doc = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      `  name: ${name}`,
      `  namespace: ${namespace}`,
      'spec:',
      `  replicas: ${ps.length}`,
      '  selector:',
      `    matchLabels: { app: ${name} }`,
      '  template:',
      '    metadata:',
      `      labels: { app: ${name} }`,
      '    spec:',
      '      containers:',
      ...names.flatMap((n) => [
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
    if (!manifests.has(namespace)) manifests.set(namespace, []);
    manifests.get(namespace)!.push(doc);
  }
  const nodeObjs = [...nodes].map((n) => bedNode(n, id()));
  writeSnapshotLists(snapshot, { deployments, replicasets, pods: podObjs, nodes: nodeObjs });
  for (const [ns, docs] of manifests) {
    mkdirSync(join(repo, 'clusters', 'bench', ns), { recursive: true });
    writeFileSync(join(repo, 'clusters', 'bench', ns, 'deployments.yaml'), docs.join('\n---\n') + '\n');
  }
  return { snapshot, repo };
}

interface Shape {
  cpuBase: number;
  cpuAmp: number;
  memBase: number;
  memGrowthPerDay: number;
  phase: number;
}

function shapes(pods: SyntheticPod[], seed: number): Shape[] {
  const rnd = prng(seed + 1);
  const out: Shape[] = [];
  for (const p of pods)
    for (const _c of p.containers)
      out.push({
        cpuBase: 0.02 + rnd() * 0.4,
        cpuAmp: rnd() * 0.8,
        memBase: (64 + rnd() * 400) * MiB,
        memGrowthPerDay: rnd() < 0.2 ? rnd() * 4 * MiB : 0,
        phase: rnd() * 2 * Math.PI,
      });
  return out;
}

/**
 * Writes the OpenMetrics for one day [dayStart, dayStart + 86400) to `file`. CPU counters carry
 * over between days in `counters` (one per container), so the series stay continuous.
 */
export async function writeDay(
  pods: SyntheticPod[],
  spec: ScaleSpec,
  dayStart: number,
  counters: Float64Array,
  file: string,
  from = dayStart,
  opts: { kubeStateMetrics?: boolean } = {},
): Promise<number> {
  const sh = shapes(pods, spec.seed);
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
  const to = Math.min(dayStart + 86400, spec.end + spec.scrape);
  buf +=
    '# HELP container_cpu_usage_seconds Cumulative cpu time consumed\n# TYPE container_cpu_usage_seconds counter\n';
  let i = 0;
  for (const p of pods) {
    for (const c of p.containers) {
      const s = sh[i]!;
      const labels = `{namespace="${p.namespace}",pod="${p.pod}",container="${c}"}`;
      for (let t = from; t < to; t += spec.scrape) {
        const cores =
          s.cpuBase * (1 + s.cpuAmp * Math.sin((2 * Math.PI * t) / 86400 + s.phase)) +
          0.05 * s.cpuBase * noise(i, t);
        counters[i] = counters[i]! + Math.max(0, cores) * spec.scrape;
        buf += `container_cpu_usage_seconds_total${labels} ${counters[i]!.toFixed(3)} ${t}\n`;
        lines++;
      }
      await flush();
      i++;
    }
  }
  buf += '# TYPE container_memory_working_set_bytes gauge\n';
  i = 0;
  for (const p of pods) {
    for (const c of p.containers) {
      const s = sh[i]!;
      const labels = `{namespace="${p.namespace}",pod="${p.pod}",container="${c}"}`;
      for (let t = from; t < to; t += spec.scrape) {
        const bytes =
          s.memBase +
          s.memGrowthPerDay * ((t - (spec.end - spec.days * 86400)) / 86400) +
          16 * MiB * noise(i + 7, t);
        buf += `container_memory_working_set_bytes${labels} ${Math.round(bytes)} ${t}\n`;
        lines++;
      }
      await flush();
      i++;
    }
  }
  if (opts.kubeStateMetrics) {
    const ksm = kubeStateMetricsSeries(pods);
    for (const [family, series] of ksm) {
      buf += `# TYPE ${family} gauge\n`;
      for (const labels of series) {
        for (let t = from; t < to; t += spec.scrape) {
          buf += `${family}${labels} 1 ${t}\n`;
          lines++;
        }
        await flush();
      }
    }
  }
  buf += '# EOF\n';
  await flush(true);
  out.end();
  await once(out, 'finish');
  return lines;
}

/**
 * kube-state-metrics' ownership and phase series, as KRR reads them to find a Deployment's pods
 * (`kube_replicaset_owner`, `kube_pod_owner`, `kube_pod_status_phase`): written only for the
 * KRR peer run (`--peer krr`), so the cached TSDBs of the plain bench stay as they were.
 */
function kubeStateMetricsSeries(pods: SyntheticPod[]): Map<string, string[]> {
  const replicasets = new Map<string, string>();
  const owners: string[] = [];
  const phases: string[] = [];
  for (const p of pods) {
    const rs = replicaSetOf(p);
    replicasets.set(`${p.namespace}/${rs}`, p.workload);
    owners.push(
      `{namespace="${p.namespace}",pod="${p.pod}",owner_kind="ReplicaSet",owner_name="${rs}",owner_is_controller="true"}`,
    );
    phases.push(`{namespace="${p.namespace}",pod="${p.pod}",phase="Running"}`);
  }
  const rsSeries = [...replicasets].map(([key, deployment]) => {
    const [namespace, rs] = key.split('/') as [string, string];
    return `{namespace="${namespace}",replicaset="${rs}",owner_kind="Deployment",owner_name="${deployment}",owner_is_controller="true"}`;
  });
  return new Map([
    ['kube_replicaset_owner', rsSeries],
    ['kube_pod_owner', owners],
    ['kube_pod_status_phase', phases],
  ]);
}

/** The ReplicaSet a synthetic pod belongs to: its name without the last segment, as Kubernetes names them. */
export function replicaSetOf(p: SyntheticPod): string {
  return p.pod.split('-').slice(0, -1).join('-');
}
