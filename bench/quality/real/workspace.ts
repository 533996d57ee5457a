/**
 * What `tidemark plan` reads in the real-trace replay, written as a user would have it: a GitOps
 * repository (one plain Deployment manifest per VM, committed), a cluster snapshot (Namespace,
 * Deployments, ReplicaSets, Pods with their container statuses), an OpenMetrics file with
 * cAdvisor's and kube-state-metrics' names and labels, and a Pipeline config.
 *
 * Pods keep their names for the whole month and their spec follows the Deployment's requests, as
 * an in-place resize does; an OOM kill leaves what Kubernetes leaves: `lastState.terminated`
 * (reason OOMKilled, finishedAt) and a restart on the pod, and kube-state-metrics'
 * `kube_pod_container_status_last_terminated_reason{reason="OOMKilled"}` = 1 from the kill on.
 */
import { createWriteStream, mkdirSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { formatCpu, parseCpu, parseMemory } from '../../../pipeline/core/quantity.js';
import { packageRoot } from '../../../pipeline/core/json-schema.js';
import type { KubeObject } from '../../../pipeline/collect/types.js';
import type { TraceVm } from './trace.js';
import { sampleAt } from './trace.js';

export const NAMESPACE = 'bitbrains';
export const CONTAINER = 'app';
const ROOT = 'clusters/real';

export interface VmRequests {
  /** Millicores and bytes; memory limit = memory request. */
  cpu: number;
  mem: number;
}

export interface OomKill {
  time: number;
  limit: number;
}

export interface VariantSpec {
  name: string;
  /** analyzers.rightsize in the config (e.g. { profile: latency }). */
  rightsize?: Record<string, unknown>;
  /** Replaces the bundled defaults' maxDecrease (e.g. pacing off). */
  maxDecrease?: { fraction: number; per: string };
  /** Other rules of the bundled defaults replaced (tuning). */
  rules?: Record<string, unknown>;
}

export function workloadName(vm: number): string {
  return `vm-${vm}`;
}

/** Stable pod-template-hash and pod suffix per VM, shaped as Kubernetes names them. */
export function podName(vm: number): { rs: string; pod: string } {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const pick = (seed: number, n: number): string => {
    let s = '';
    let x = (seed * 2654435761) >>> 0;
    for (let i = 0; i < n; i++) {
      s += alphabet[x % alphabet.length];
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    }
    return s;
  };
  const rs = `${workloadName(vm)}-${pick(vm + 1, 9)}`;
  return { rs, pod: `${rs}-${pick(vm + 7919, 5)}` };
}

function manifest(vm: number, r: VmRequests): string {
  const name = workloadName(vm);
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${NAMESPACE}`,
    '  labels:',
    `    app.kubernetes.io/name: ${name}`,
    'spec:',
    '  replicas: 1',
    '  selector:',
    '    matchLabels:',
    `      app.kubernetes.io/name: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app.kubernetes.io/name: ${name}`,
    '    spec:',
    '      containers:',
    `        - name: ${CONTAINER}`,
    '          image: registry.example.com/bitbrains/vm:2013.8',
    '          resources:',
    '            requests:',
    `              cpu: ${formatCpu(r.cpu, { cores: false })}`,
    `              memory: ${memText(r.mem)}`,
    '            limits:',
    `              memory: ${memText(r.mem)}`,
    '',
  ].join('\n');
}

function memText(bytes: number): string {
  return bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20}Mi` : `${Math.ceil(bytes / 1024)}Ki`;
}

export function manifestPath(vm: number): string {
  return `${ROOT}/${NAMESPACE}/${workloadName(vm)}.yaml`;
}

export interface Workspace {
  dir: string;
  repo: string;
  config: string;
}

/** Creates the repository (first commit at `at`), the policies and the config. */
export async function createWorkspace(
  dir: string,
  vms: { vm: number; requests: VmRequests }[],
  variant: VariantSpec,
  at: number,
): Promise<Workspace> {
  const ws = writeConfig(dir, variant);
  mkdirSync(join(ws.repo, ROOT, NAMESPACE), { recursive: true });
  for (const v of vms) writeFileSync(join(ws.repo, manifestPath(v.vm)), manifest(v.vm, v.requests));
  git(ws.repo, at, 'init', '-q', '-b', 'main');
  git(ws.repo, at, 'add', '.');
  git(ws.repo, at, 'commit', '-q', '-m', 'bitbrains VMs as Deployments, sized as provisioned');
  return ws;
}

/** The Pipeline config (and the policies, when the variant changes them); `gitops/` is created empty. */
export function writeConfig(dir: string, variant: VariantSpec): Workspace {
  const repo = join(dir, 'gitops');
  mkdirSync(repo, { recursive: true });
  let policies = join(packageRoot(), 'policies');
  if (variant.maxDecrease || variant.rules) {
    policies = join(dir, 'policies');
    cpSync(join(packageRoot(), 'policies'), policies, { recursive: true });
    const file = join(policies, 'defaults', 'defaults.yaml');
    const doc = parse(readFileSync(file, 'utf8')) as { spec: { rules: Record<string, unknown> } };
    if (variant.maxDecrease) doc.spec.rules.maxDecrease = variant.maxDecrease;
    Object.assign(doc.spec.rules, variant.rules ?? {});
    writeFileSync(file, stringify(doc));
  }
  const config = join(dir, 'tidemark.yaml');
  writeFileSync(
    config,
    stringify({
      apiVersion: 'tidemark.io/v1alpha1',
      kind: 'Pipeline',
      clusters: [
        {
          name: 'real',
          kubernetes: { snapshot: 'cluster/' },
          metrics: { openmetrics: 'metrics.om' },
          repo: { path: 'gitops/', root: ROOT },
          settings: { kubernetesVersion: 'v1.34.4' },
        },
      ],
      policies,
      ...(variant.rightsize ? { analyzers: { rightsize: variant.rightsize } } : {}),
      analysis: { window: '14d', step: '5m' },
    }),
  );
  return { dir, repo, config };
}

/**
 * git with author and committer dates set to `at` (simple-git strips GIT_* variables from the
 * environment by design, so the replay runs git itself for what it dates).
 */
export function git(repo: string, at: number, ...args: string[]): string {
  const iso = new Date(at * 1000).toISOString();
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Platform',
      '-c',
      'user.email=platform@example.com',
      '-c',
      'core.autocrlf=false',
      ...args,
    ],
    {
      cwd: repo,
      env: { ...process.env, GIT_AUTHOR_DATE: iso, GIT_COMMITTER_DATE: iso },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** Sets `analysis.at` in the config: the plan runs as if it were that moment. */
export function setAnalysisTime(ws: Workspace, at: number): void {
  const doc = parse(readFileSync(ws.config, 'utf8')) as { analysis: Record<string, unknown> };
  doc.analysis.at = new Date(at * 1000).toISOString();
  writeFileSync(ws.config, stringify(doc));
}

/** The requests in force: what the manifests in the repository's main branch say. */
export function readRequests(ws: Workspace, vm: number): VmRequests {
  const doc = parse(readFileSync(join(ws.repo, manifestPath(vm)), 'utf8')) as {
    spec: { template: { spec: { containers: { resources: { requests: Record<string, string> } }[] } } };
  };
  const r = doc.spec.template.spec.containers[0]!.resources.requests;
  return { cpu: parseCpu(r.cpu!), mem: parseMemory(r.memory!) };
}

export interface SnapshotVm {
  vm: number;
  requests: VmRequests;
  kills: OomKill[];
  startedAt: number;
}

/** The cluster as `kubectl get -o yaml` would show it at `at`, written as the snapshot source reads it. */
export function writeSnapshot(ws: Workspace, vms: SnapshotVm[], at: number): void {
  const dir = join(ws.dir, 'cluster');
  mkdirSync(dir, { recursive: true });
  const list = (items: unknown[]): string => stringify({ apiVersion: 'v1', kind: 'List', items });
  for (const [file, items] of Object.entries(snapshotObjects(vms, at)))
    writeFileSync(join(dir, `${file}.yaml`), list(items));
}

/** The snapshot's objects by file name. */
export function snapshotObjects(vms: SnapshotVm[], at: number): Record<string, KubeObject[]> {
  const iso = (t: number): string => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const labels = (vm: number): Record<string, string> => ({ 'app.kubernetes.io/name': workloadName(vm) });
  const resources = (r: VmRequests) => ({
    requests: { cpu: formatCpu(r.cpu, { cores: false }), memory: memText(r.mem) },
    limits: { memory: memText(r.mem) },
  });
  const deployments = vms.map((v) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: workloadName(v.vm), namespace: NAMESPACE, labels: labels(v.vm), generation: 1 },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels(v.vm) },
      template: {
        metadata: { labels: labels(v.vm) },
        spec: {
          containers: [
            {
              name: CONTAINER,
              image: 'registry.example.com/bitbrains/vm:2013.8',
              resources: resources(v.requests),
            },
          ],
        },
      },
    },
    status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1 },
  }));
  const replicaSets = vms.map((v) => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: podName(v.vm).rs,
      namespace: NAMESPACE,
      labels: labels(v.vm),
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: workloadName(v.vm),
          controller: true,
          uid: `d-${v.vm}`,
        },
      ],
    },
    spec: { replicas: 1, selector: { matchLabels: labels(v.vm) } },
    status: { replicas: 1, readyReplicas: 1 },
  }));
  const pods = vms.map((v) => {
    const seen = v.kills.filter((k) => k.time < at);
    const last = seen.at(-1);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName(v.vm).pod,
        namespace: NAMESPACE,
        labels: labels(v.vm),
        creationTimestamp: iso(v.startedAt),
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: podName(v.vm).rs,
            controller: true,
            uid: `rs-${v.vm}`,
          },
        ],
      },
      spec: {
        nodeName: 'node-1',
        containers: [
          {
            name: CONTAINER,
            image: 'registry.example.com/bitbrains/vm:2013.8',
            resources: resources(v.requests),
          },
        ],
      },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: CONTAINER,
            ready: true,
            restartCount: seen.length,
            ...(last
              ? {
                  lastState: {
                    terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: iso(last.time) },
                  },
                }
              : {}),
            state: { running: { startedAt: iso(last ? last.time : v.startedAt) } },
          },
        ],
      },
    };
  });
  return {
    namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }],
    deployments,
    replicasets: replicaSets,
    pods,
  };
}

/**
 * The OpenMetrics file for a plan at `at`: usage samples from `from` (a little before the window,
 * so its first interval has a counter pair) to `at`, the OOM gauge from each pod's first kill, the
 * restart counter for pods that were killed. CPU is cAdvisor's counter: each recorded sample adds
 * its cores × the seconds since the previous sample.
 */
export async function writeMetrics(
  ws: Workspace,
  vms: { vm: number; trace: TraceVm; cpuCounter: Float64Array; kills: OomKill[] }[],
  from: number,
  at: number,
): Promise<void> {
  const out = createWriteStream(join(ws.dir, 'metrics.om'));
  let buf = '';
  const flush = async (force = false): Promise<void> => {
    if (buf.length < 1 << 20 && !force) return;
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  const labels = (vm: number): string =>
    `{container="${CONTAINER}",namespace="${NAMESPACE}",node="node-1",pod="${podName(vm).pod}"}`;
  buf += '# TYPE container_cpu_usage_seconds counter\n';
  for (const v of vms) {
    const l = `container_cpu_usage_seconds_total${labels(v.vm)} `;
    for (let i = sampleAt(v.trace, from); i < v.trace.time.length && v.trace.time[i]! < at; i++) {
      buf += `${l}${counterText(v.cpuCounter[i]!)} ${v.trace.time[i]}\n`;
      await flush();
    }
  }
  buf += '# TYPE container_memory_working_set_bytes gauge\n';
  for (const v of vms) {
    const l = `container_memory_working_set_bytes${labels(v.vm)} `;
    for (let i = sampleAt(v.trace, from); i < v.trace.time.length && v.trace.time[i]! < at; i++) {
      buf += `${l}${Math.round(v.trace.mem[i]!)} ${v.trace.time[i]}\n`;
      await flush();
    }
  }
  buf += kubeStateText(vms, from, at);
  buf += '# EOF\n';
  await flush(true);
  out.end();
  await once(out, 'finish');
}

/**
 * kube-state-metrics' families for killed pods: the restart counter from `from`, and the OOM gauge
 * from each pod's first kill (its series exists from then on) to `at`.
 */
export function kubeStateText(vms: { vm: number; kills: OomKill[] }[], from: number, at: number): string {
  const ksm = (vm: number, extra = ''): string =>
    `{container="${CONTAINER}",namespace="${NAMESPACE}",pod="${podName(vm).pod}"${extra}}`;
  const killed = vms.filter((v) => v.kills.some((k) => k.time < at));
  let buf = '# TYPE kube_pod_container_status_restarts counter\n';
  for (const v of killed) {
    const l = `kube_pod_container_status_restarts_total${ksm(v.vm)} `;
    let k = 0;
    for (let t = Math.floor(from / 300) * 300; t < at; t += 300) {
      while (k < v.kills.length && v.kills[k]!.time <= t) k++;
      buf += `${l}${k} ${t}\n`;
    }
  }
  buf += '# TYPE kube_pod_container_status_last_terminated_reason gauge\n';
  for (const v of killed) {
    const l = `kube_pod_container_status_last_terminated_reason${ksm(v.vm, ',reason="OOMKilled"')} `;
    for (let t = Math.ceil(v.kills[0]!.time / 300) * 300; t < at; t += 300) buf += `${l}1 ${t}\n`;
  }
  return buf;
}

/** A counter value as written (and so as read back): to the millisecond of CPU time. */
export function counterText(v: number): string {
  return v.toFixed(3);
}

/** cAdvisor's cumulative CPU seconds at each recorded sample. */
export function cpuCounter(v: TraceVm): Float64Array {
  const c = new Float64Array(v.time.length);
  let acc = 0;
  for (let i = 1; i < v.time.length; i++) {
    acc += v.cpu[i]! * (v.time[i]! - v.time[i - 1]!);
    c[i] = acc;
  }
  return c;
}
