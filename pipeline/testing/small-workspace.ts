/**
 * A small, complete workspace for CLI tests of bad input: a snapshot (two nodes, a DaemonSet on
 * each, one Deployment `shop/web` with two pods), a git repository holding the Deployment, an
 * OpenMetrics file with its usage, and the config tying them together. Every part can be bent
 * (the request in Git and live, kinds left out of the snapshot, sample values, extra series) so a
 * test states only what is absurd about its case.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { simpleGit } from 'simple-git';
import type { KubeObject } from '../collect/types.js';
import { container, deployment, node, pod, replicaSet } from './model-fixtures.js';

export const WS_END = 1_800_000_000 - (1_800_000_000 % 86400);
export const MiB = 2 ** 20;
export const WEB_PODS = ['web-7d9f8c6b5-aaaaa', 'web-7d9f8c6b5-bbbbb'];

export interface Usage {
  /** Cores. */
  cpu: number;
  /** Working-set bytes as written to the file (may be absurd on purpose). */
  mem: number;
  /** The CPU counter's sample as written instead of the running total (an absurd value). */
  counter?: number;
}

export interface SmallWorkspaceOptions {
  /** The web container's requests, the same in Git and live. */
  request?: { cpu?: string | number; memory?: string };
  /** Kinds left out of the snapshot, e.g. ['Pod']. */
  omitKinds?: string[];
  /** Usage per pod and time; default 200m and 300 MiB. */
  usage?: (pod: string, t: number) => Usage;
  /** Containers with usage in the file that the snapshot does not hold. */
  strangers?: { namespace: string; pod: string; container: string }[];
  /** Days of history ending at WS_END (default 8, enough to lower). */
  days?: number;
  /** The metrics file's whole text instead of generated history. */
  metricsText?: string;
}

export interface SmallWorkspace {
  dir: string;
  config: string;
  repo: string;
  snapshot: string;
  metrics: string;
  remove(): void;
}

const SCRAPE = 60;

export async function smallWorkspace(o: SmallWorkspaceOptions = {}): Promise<SmallWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-ws-'));
  const cpu = o.request?.cpu ?? '500m';
  const memory = o.request?.memory ?? '512Mi';
  const web = deployment('web', 'shop', {
    replicas: 2,
    containers: [{ ...container({ name: 'web' }), resources: { requests: { cpu, memory } } }],
  });
  const rs = replicaSet(web);
  const agent = deployment('agent', 'kube-system', {
    kind: 'DaemonSet',
    containers: [container({ name: 'agent', cpu: '100m', memory: '200Mi' })],
  });
  const webSpec = (web.spec as { template: { spec: { containers: unknown[] } } }).template.spec;
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } },
    node('node-1', { cpu: '4', memory: '16Gi' }),
    node('node-2', { cpu: '8', memory: '32Gi' }),
    web,
    rs,
    agent,
    ...WEB_PODS.map((name, i) =>
      pod(
        name,
        'shop',
        { kind: 'ReplicaSet', name: rs.metadata.name },
        {
          containers: webSpec.containers,
          node: `node-${i + 1}`,
        },
      ),
    ),
    ...['node-1', 'node-2'].map((n, i) =>
      pod(
        `agent-${'xyzab'[i]!.repeat(5)}`,
        'kube-system',
        { kind: 'DaemonSet', name: 'agent' },
        {
          containers: [container({ name: 'agent', cpu: '100m', memory: '200Mi' })],
          node: n,
        },
      ),
    ),
  ];
  const snapshot = join(dir, 'cluster');
  mkdirSync(snapshot);
  const byKind = new Map<string, KubeObject[]>();
  for (const x of objects) {
    if (o.omitKinds?.includes(x.kind)) continue;
    byKind.set(x.kind, [...(byKind.get(x.kind) ?? []), x]);
  }
  for (const [kind, items] of byKind)
    writeFileSync(
      join(snapshot, `${kind.toLowerCase()}s.yaml`),
      stringify({ apiVersion: 'v1', kind: 'List', items }),
    );

  const repo = join(dir, 'gitops');
  mkdirSync(join(repo, 'clusters/test/shop'), { recursive: true });
  const manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: web.spec,
  };
  writeFileSync(join(repo, 'clusters/test/shop/web.yaml'), stringify(manifest));
  const git = simpleGit({ baseDir: repo, config: ['user.name=Platform', 'user.email=platform@example.com'] });
  await git.init(['-q', '-b', 'main']);
  await git.add('.').commit('init', undefined, { '--quiet': null });

  const metrics = join(dir, 'metrics.om');
  writeFileSync(metrics, o.metricsText ?? metricsText(o));
  const config = join(dir, 'tidemark.yaml');
  writeFileSync(
    config,
    [
      'apiVersion: tidemark.io/v1alpha1',
      'kind: Pipeline',
      'clusters:',
      '  - name: test',
      '    kubernetes: { snapshot: cluster/ }',
      '    metrics: { openmetrics: metrics.om }',
      '    repo: { path: gitops/, root: clusters/test }',
      'prices: { cpuCoreHour: 0.031, memoryGiBHour: 0.0042 }',
      '',
    ].join('\n'),
  );
  return {
    dir,
    config,
    repo,
    snapshot,
    metrics,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** cAdvisor's two usage families, each contiguous and in time order (promtool backfills it). */
function metricsText(o: SmallWorkspaceOptions): string {
  const usage = o.usage ?? ((): Usage => ({ cpu: 0.2, mem: 300 * MiB }));
  const start = WS_END - (o.days ?? 8) * 86400;
  const refs = [
    ...WEB_PODS.map((p) => ({ namespace: 'shop', pod: p, container: 'web' })),
    ...(o.strangers ?? []),
  ];
  const lines = ['# TYPE container_cpu_usage_seconds counter'];
  for (const r of refs) {
    let total = 0;
    for (let t = start; t <= WS_END; t += SCRAPE) {
      const u = usage(r.pod, t);
      lines.push(
        `container_cpu_usage_seconds_total{namespace="${r.namespace}",pod="${r.pod}",container="${r.container}"} ${u.counter ?? total.toFixed(3)} ${t}`,
      );
      total += u.cpu * SCRAPE;
    }
  }
  lines.push('# TYPE container_memory_working_set_bytes gauge');
  for (const r of refs)
    for (let t = start; t <= WS_END; t += SCRAPE)
      lines.push(
        `container_memory_working_set_bytes{namespace="${r.namespace}",pod="${r.pod}",container="${r.container}"} ${formatValue(usage(r.pod, t).mem)} ${t}`,
      );
  lines.push('# EOF', '');
  return lines.join('\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
