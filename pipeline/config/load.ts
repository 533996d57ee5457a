/**
 * Loads a Pipeline config: YAML → schema validation (every problem reported with file and
 * field) → defaults → absolute paths. Nothing else in the pipeline reads the file.
 */
import { IANAZone } from 'luxon';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, resolve, join } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { validateOrThrow, packageRoot } from '../core/json-schema.js';
import { parseDuration } from '../core/duration.js';
import type {
  ClusterConfig,
  PipelineConfig,
  KubernetesSourceConfig,
  MetricsSourceConfig,
  PrometheusConfig,
} from './types.js';

export const CONFIG_SCHEMA = 'https://tidemark.io/schemas/config.json';
export const DEFAULT_WINDOW = '14d';
export const DEFAULT_STEP = '5m';

export function loadConfig(path: string): PipelineConfig {
  const { file, data } = readConfigDocument(path);
  return normalize(data, file);
}

/**
 * The config parsed and checked against its schema, before defaults and before any path it names
 * is looked at: enough for commands that only list what it holds (`tidemark clusters` runs where
 * the credential files it names are not written yet).
 */
export function readConfigDocument(path: string): { file: string; data: RawConfig } {
  const file = resolve(path);
  if (!existsSync(file)) throw new ConfigError('config file not found', { file });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file: ${(err as Error).message}`, { file }, { cause: err });
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0];
    throw new ConfigError(
      `malformed YAML${line ? ` at line ${line.line}, column ${line.col}` : ''}: ${e.message.split('\n')[0]}`,
      { file },
    );
  }
  const data = doc.toJS() as unknown;
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(
      'config must be a YAML mapping with apiVersion: tidemark.io/v1alpha1 and kind: Pipeline',
      { file },
    );
  }
  validateOrThrow(CONFIG_SCHEMA, data, { file, object: 'Pipeline' });
  return { file, data: data as RawConfig };
}

export interface RawConfig {
  clusters: (Omit<ClusterConfig, 'repo' | 'settings'> & {
    repo: {
      path?: string;
      clone?: true;
      root?: string;
      argocd?: { applications?: string };
      flux?: { kustomizations?: string };
      helm?: ClusterConfig['repo']['helm'];
    };
    settings?: Record<string, unknown>;
  })[];
  policies?: string;
  prices?: { cpuCoreHour?: number; memoryGiBHour?: number; currency?: string; from?: 'config' | 'opencost' };
  analysis?: { window?: string; step?: string; at?: string };
  analyzers?: Record<string, Record<string, unknown>>;
  output?: { prBodyMaxChars?: number };
  state?: { path: string };
  [key: string]: unknown;
}

function normalize(raw: RawConfig, file: string): PipelineConfig {
  const dir = dirname(file);
  const abs = (p: string): string => resolve(dir, p);
  const names = new Set<string>();
  const clusters = raw.clusters.map((c, i): ClusterConfig => {
    const object = `clusters[${i}] (${c.name})`;
    if (names.has(c.name))
      throw new ConfigError('duplicate cluster name', { file, object, field: `clusters[${i}].name` });
    names.add(c.name);
    const autoscaling = (c.settings as { autoscaling?: Record<string, unknown> } | undefined)?.autoscaling;
    for (const key of ['timezone', 'controllerTimezone']) {
      const zone = autoscaling?.[key];
      if (typeof zone === 'string' && !IANAZone.isValidZone(zone))
        throw new ConfigError(`"${zone}" is not an IANA timezone (e.g. Asia/Shanghai, UTC)`, {
          file,
          object,
          field: `clusters[${i}].settings.autoscaling.${key}`,
        });
    }
    // A repo to clone has no path until `run` has cloned it.
    const clone = c.repo.clone === true;
    const repoPath = clone ? '' : abs(c.repo.path!);
    if (!clone) mustExist(repoPath, 'directory', { file, object, field: `clusters[${i}].repo.path` });
    const kubernetes: KubernetesSourceConfig =
      'snapshot' in c.kubernetes
        ? { snapshot: abs(c.kubernetes.snapshot) }
        : 'kubeconfig' in c.kubernetes
          ? { ...c.kubernetes, kubeconfig: abs(c.kubernetes.kubeconfig) }
          : c.kubernetes;
    if ('snapshot' in kubernetes)
      mustExist(kubernetes.snapshot, 'any', { file, object, field: `clusters[${i}].kubernetes.snapshot` });
    if ('kubeconfig' in kubernetes)
      mustExist(kubernetes.kubeconfig, 'file', {
        file,
        object,
        field: `clusters[${i}].kubernetes.kubeconfig`,
      });
    const metrics: MetricsSourceConfig =
      'openmetrics' in c.metrics
        ? { openmetrics: abs(c.metrics.openmetrics) }
        : {
            prometheus: resolvePrometheusFiles(c.metrics.prometheus, abs, (p, field) =>
              mustExist(p, 'file', { file, object, field: `clusters[${i}].metrics.prometheus.${field}` }),
            ),
          };
    if ('openmetrics' in metrics)
      mustExist(metrics.openmetrics, 'file', { file, object, field: `clusters[${i}].metrics.openmetrics` });
    const root = c.repo.root ?? '.';
    if (!clone)
      mustExist(join(repoPath, root), 'directory', { file, object, field: `clusters[${i}].repo.root` });
    return {
      name: c.name,
      ...(c.group ? { group: c.group } : {}),
      kubernetes,
      metrics,
      repo: {
        path: repoPath,
        root,
        argocd: c.repo.argocd,
        flux: c.repo.flux,
        helm: c.repo.helm,
        ...(clone ? { clone } : {}),
      },
      settings: c.settings ?? {},
    };
  });
  const policies = raw.policies ? abs(raw.policies) : join(packageRoot(), 'policies');
  mustExist(policies, 'directory', { file, field: 'policies' });
  const stepSeconds = parseDuration(raw.analysis?.step ?? DEFAULT_STEP);
  const windowSeconds = parseDuration(raw.analysis?.window ?? DEFAULT_WINDOW);
  if (windowSeconds % stepSeconds !== 0 || stepSeconds < 60) {
    throw new ConfigError('analysis.window must be a whole number of steps, and step at least 1m', {
      file,
      field: 'analysis.step',
    });
  }
  const at = raw.analysis?.at ? Math.floor(Date.parse(raw.analysis.at) / 1000) : undefined;
  const { clusters: _c, policies: _p, prices, analysis: _a, analyzers, output, state, ...rest } = raw;
  return {
    file,
    dir,
    clusters,
    policies,
    prices: {
      cpuCoreHour: prices?.cpuCoreHour ?? 0.031,
      memoryGiBHour: prices?.memoryGiBHour ?? 0.0042,
      currency: prices?.currency ?? 'USD',
      ...(prices?.from === 'opencost' ? { from: 'opencost' as const } : {}),
    },
    analysis: { windowSeconds, stepSeconds, at },
    analyzers: analyzers ?? {},
    output: { prBodyMaxChars: output?.prBodyMaxChars ?? 20000 },
    ...(state ? { state: { path: abs(state.path) } } : {}),
    raw: rest,
  };
}

function mustExist(
  path: string,
  type: 'file' | 'directory' | 'any',
  where: { file: string; object?: string; field: string },
): void {
  if (!existsSync(path)) throw new ConfigError(`path does not exist: ${path}`, where);
  const st = statSync(path);
  if (type === 'file' && !st.isFile()) throw new ConfigError(`expected a file: ${path}`, where);
  if (type === 'directory' && !st.isDirectory())
    throw new ConfigError(`expected a directory: ${path}`, where);
}

/** Makes the Prometheus source's credential and CA paths absolute and checks they exist. */
function resolvePrometheusFiles(
  p: PrometheusConfig,
  abs: (p: string) => string,
  exists: (path: string, field: string) => void,
): PrometheusConfig {
  const out: PrometheusConfig = { ...p };
  const fix = (v: string | undefined, field: string): string | undefined => {
    if (v === undefined) return undefined;
    const a = abs(v);
    exists(a, field);
    return a;
  };
  if (p.bearerTokenFile) out.bearerTokenFile = fix(p.bearerTokenFile, 'bearerTokenFile');
  if (p.basicAuth)
    out.basicAuth = {
      ...p.basicAuth,
      passwordFile: fix(p.basicAuth.passwordFile, 'basicAuth.passwordFile')!,
    };
  if (p.tls)
    out.tls = {
      ...p.tls,
      caFile: fix(p.tls.caFile, 'tls.caFile'),
      certFile: fix(p.tls.certFile, 'tls.certFile'),
      keyFile: fix(p.tls.keyFile, 'tls.keyFile'),
    };
  return out;
}

/**
 * A cluster with `repo.clone` has no checkout until `tidemark run` clones one; every command that
 * reads the repository calls this first.
 */
export function assertCheckout(config: PipelineConfig, cluster: ClusterConfig): void {
  if (cluster.repo.clone && !cluster.repo.path)
    throw new ConfigError(
      'repo.clone: only `tidemark run` clones the repository; give repo.path to plan locally',
      {
        file: config.file,
        object: `cluster ${cluster.name}`,
        field: 'repo.clone',
      },
    );
}
