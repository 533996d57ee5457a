/**
 * A GitOps layout run end to end through the CLI: a repository (a real snapshot copied, or files)
 * made a git repository, a synthetic live cluster holding its workloads (snapshot files), 14 days of
 * steady usage per container (OpenMetrics from the demo's generator) and a config. Then `plan`,
 * `apply`, a build of the applied branch with the real tool, and a second plan on that branch.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { stringify } from 'yaml';
import { simpleGit } from 'simple-git';
import type { KubeObject } from '../collect/types.js';
import { main } from '../cli/main.js';
import { createMemoryLogger } from '../core/logger.js';
import { generateDemoMetrics } from '../../fixtures/demo/generate-metrics.js';
import { deploymentWithPods, node } from './model-fixtures.js';
import type { PlanDocument } from '../plan/plan-document.js';

export interface LiveContainer {
  name: string;
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
  /** Steady usage: CPU in cores, memory in MiB. */
  usage: { cpu: number; memoryMiB: number };
}

export interface LiveWorkload {
  namespace: string;
  name: string;
  replicas?: number;
  containers: LiveContainer[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface LayoutSpec {
  /** A directory copied as the repository (a real snapshot under ../shared/real-repos). */
  from?: string;
  /** Files added or replaced (text), or removed (null), relative to the repository. */
  files?: Record<string, string | null>;
  workloads: LiveWorkload[];
  /** Other live objects: Argo CD Applications, Flux Kustomizations and HelmReleases. */
  objects?: KubeObject[];
  /** clusters[0].repo without path. */
  repo: Record<string, unknown>;
  /**
   * Read the cluster live through this kubeconfig instead of the snapshot (which is still written,
   * for seeding an API server with it); the analysis then ends where the metrics end.
   */
  kubeconfig?: string;
  cluster?: string;
}

export interface LayoutWorkspace {
  dir: string;
  repo: string;
  config: string;
  /** Runs the CLI; stdout and log lines kept. */
  cli(args: string[]): Promise<{ code: number; out: string; logs: string[] }>;
  plan(out: string): Promise<{ code: number; doc: PlanDocument; diff: string; pr: string; logs: string[] }>;
  /** `apply` onto `branch`, then a worktree of that branch to build and read. */
  apply(branch: string): Promise<string>;
  /** Text of a file on the repository's main branch (before any edit). */
  original(path: string): string;
}

const END = '2026-11-20T00:00:00Z';

function liveObjects(spec: LayoutSpec): KubeObject[] {
  const out: KubeObject[] = [node('node-1', { cpu: '16', memory: '64Gi' })];
  for (const w of spec.workloads) {
    const containers = w.containers.map((c) => ({
      name: c.name,
      image: `registry.example.com/${c.name}:1.0`,
      resources: {
        ...(c.requests ? { requests: c.requests } : {}),
        ...(c.limits ? { limits: c.limits } : {}),
      },
    }));
    const objs = deploymentWithPods(w.name, w.namespace, {
      replicas: w.replicas ?? 2,
      containers,
      labels: { app: w.name, ...(w.labels ?? {}) },
      annotations: w.annotations ?? {},
    });
    // A status an API server accepts too (ready replicas never above replicas): layouts read live
    // are seeded from this snapshot.
    for (const o of objs)
      if (o.kind === 'Deployment') o.status = { ...(o.status ?? {}), replicas: w.replicas ?? 2 };
    out.push(...objs);
  }
  const namespaces = new Set(spec.workloads.map((w) => w.namespace));
  for (const ns of namespaces)
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: {} } } as KubeObject);
  return [...out, ...(spec.objects ?? [])];
}

export async function prepareLayout(spec: LayoutSpec): Promise<LayoutWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-layout-'));
  const repo = join(dir, 'gitops');
  if (spec.from) cpSync(spec.from, repo, { recursive: true, filter: (src) => !/[\\/]\.git$/.test(src) });
  else mkdirSync(repo);
  for (const [rel, text] of Object.entries(spec.files ?? {})) {
    const p = join(repo, rel);
    if (text === null) rmSync(p, { recursive: true, force: true });
    else {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
  }
  const git = simpleGit({ baseDir: repo, config: ['user.name=Platform', 'user.email=platform@example.com'] });
  await git.init(['-q', '-b', 'main']);
  await git.add(['-A']);
  await git.commit('Initial GitOps repository', undefined, { '--quiet': null });

  mkdirSync(join(dir, 'cluster'));
  writeFileSync(
    join(dir, 'cluster', 'objects.yaml'),
    stringify({ apiVersion: 'v1', kind: 'List', items: liveObjects(spec) }, { aliasDuplicateObjects: false }),
  );
  const patterns = {
    end: END,
    days: 14,
    scrapeInterval: 300,
    seed: 20261120,
    snapshot: 'cluster/',
    containers: spec.workloads.flatMap((w) =>
      w.containers.map((c) => ({
        workload: `${w.namespace}/${w.name}`,
        container: c.name,
        cpu: { pattern: 'steady', value: c.usage.cpu },
        memory: { pattern: 'steady', value: c.usage.memoryMiB },
      })),
    ),
  };
  writeFileSync(join(dir, 'patterns.yaml'), stringify(patterns));
  await generateDemoMetrics(join(dir, 'patterns.yaml'), join(dir, 'metrics.om'));
  const cluster = spec.cluster ?? 'prod';
  const config = {
    apiVersion: 'tidemark.io/v1alpha1',
    kind: 'Pipeline',
    clusters: [
      {
        name: cluster,
        kubernetes: spec.kubeconfig ? { kubeconfig: spec.kubeconfig } : { snapshot: 'cluster/' },
        metrics: { openmetrics: 'metrics.om' },
        repo: { path: 'gitops/', ...spec.repo },
        settings: { kubernetesVersion: 'v1.34.4' },
      },
    ],
    prices: { cpuCoreHour: 0.031, memoryGiBHour: 0.0042 },
    analysis: { window: '14d', step: '5m', ...(spec.kubeconfig ? { at: END } : {}) },
  };
  writeFileSync(join(dir, 'tidemark.yaml'), stringify(config));

  const cli = async (args: string[]) => {
    let out = '';
    const logger = createMemoryLogger('info');
    const code = await main(args, { stdout: (t) => (out += t), logger });
    return { code, out, logs: logger.lines };
  };
  const ws: LayoutWorkspace = {
    dir,
    repo,
    config: join(dir, 'tidemark.yaml'),
    cli,
    async plan(out) {
      const outDir = join(dir, out);
      const r = await cli(['plan', '--config', ws.config, '--out', outDir]);
      const read = (f: string) => (existsSync(join(outDir, f)) ? readFileSync(join(outDir, f), 'utf8') : '');
      return {
        code: r.code,
        logs: r.logs,
        doc: (read('plan.json') ? JSON.parse(read('plan.json')) : undefined) as PlanDocument,
        diff: read('changes.diff'),
        // pr.md (the list, and what no PR carries) and every body plan wrote (pr/<cluster>/<group>.md).
        pr: [read('pr.md'), prBodies(join(outDir, 'pr'))].join('\n'),
      };
    },
    async apply(branch) {
      const r = await cli([
        'apply',
        '--config',
        ws.config,
        '--branch',
        branch,
        '--out',
        join(dir, `apply-${branch}`),
      ]);
      if (r.code !== 0) throw new Error(`apply exited ${r.code}: ${r.logs.slice(-5).join('\n')}`);
      const tree = join(dir, `tree-${branch.replace(/\W/g, '-')}`);
      execFileSync('git', ['worktree', 'add', '-q', '--detach', tree, branch], { cwd: repo });
      return tree;
    },
    original(path) {
      return execFileSync('git', ['show', `main:${path}`], { cwd: repo, encoding: 'utf8' });
    },
  };
  return ws;
}

/** `kubectl kustomize DIR` (with helm for helmCharts when given), or the error. */
export function kustomizeBuild(dir: string, helmBin?: string): string {
  const args = ['kustomize', dir];
  if (helmBin) args.push('--enable-helm', '--helm-command', helmShimForKustomize(helmBin));
  return execFileSync('kubectl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * kubectl's built-in kustomize (v5.5) asks `helm version -c --short` and accepts only v3; helm v4
 * renders the same `helm template` call. The shim answers the version question and hands every
 * other call to the real helm v4.
 */
function helmShimForKustomize(helmBin: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-helm-shim-'));
  const shim = join(dir, 'helm');
  writeFileSync(
    shim,
    `#!/bin/sh\nif [ "$1" = version ]; then echo "v3.99.0+helm-v4"; exit 0; fi\nexec "${join(helmBin, 'helm')}" "$@"\n`,
    { mode: 0o755 },
  );
  return shim;
}

/** `helm template NAME CHART -f VALUES…` with the real helm. */
export function helmTemplate(
  helmBin: string,
  release: string,
  chart: string,
  valueFiles: string[],
  namespace = 'default',
): string {
  return execFileSync(
    join(helmBin, 'helm'),
    ['template', release, chart, '--namespace', namespace, ...valueFiles.flatMap((f) => ['-f', f])],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(tmpdir(), 'tidemark-helm-cache'),
        HELM_CONFIG_HOME: join(tmpdir(), 'tidemark-helm-config'),
        HELM_DATA_HOME: join(tmpdir(), 'tidemark-helm-data'),
      },
    },
  );
}

/** The PR bodies under a plan's pr/ folder, in file order, joined. */
function prBodies(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}
