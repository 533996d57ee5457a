/**
 * The offline Kubernetes source: a directory (read recursively) of YAML/JSON files as kubectl
 * prints them, optionally with the `tidemark-snapshot.yaml` manifest that `tidemark snapshot`
 * writes (format version, cluster facts, the files and kinds it holds).
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { InputError } from '../../core/errors.js';
import { validateOrThrow } from '../../core/json-schema.js';
import type {
  ClusterFacts,
  KubeObject,
  KubernetesInventory,
  KubernetesSource,
  ObjectOrigin,
} from '../types.js';
import { readObjectsFromText } from './read-objects.js';

export const SNAPSHOT_MANIFEST = 'tidemark-snapshot.yaml';
export const SNAPSHOT_FORMAT_VERSION = 1;
const MANIFEST_SCHEMA = 'https://tidemark.io/schemas/snapshot-manifest.json';

export interface SnapshotManifest {
  apiVersion: 'tidemark.io/v1alpha1';
  kind: 'ClusterSnapshot';
  formatVersion: number;
  cluster: { name?: string; version?: string; metricsApiAvailable?: boolean; installedKinds?: string[] };
  files: { file: string; apiVersion: string; kind: string; count: number }[];
  createdAt?: string;
}

export function createSnapshotSource(dir: string): KubernetesSource {
  return {
    description: `snapshot ${dir}`,
    async read(ctx) {
      const inventory = readSnapshot(dir);
      const kinds = new Set(inventory.objects.map((o) => o.kind));
      if (kinds.has('Deployment') && !kinds.has('ReplicaSet'))
        ctx.logger.warn(
          "the snapshot holds no ReplicaSets: pods are matched to their Deployment by the ReplicaSet's name (<deployment>-<pod-template-hash>)",
          { snapshot: dir, missingKinds: ['ReplicaSet'] },
        );
      return inventory;
    },
  };
}

/** Kinds that own pods: without the pods, their usage cannot be attributed to them. */
const POD_OWNERS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'];

/**
 * A snapshot must let usage be attributed to workloads: metrics name pods, and only the Pods
 * (owner references) say whose they are. Without Pods that is impossible: exit 2. Without
 * ReplicaSets it still works by name, as Kubernetes names a Deployment's ReplicaSets
 * `<deployment>-<hash>`: a warning (createSnapshotSource).
 */
function checkAttributable(objects: KubeObject[], dir: string): void {
  const kinds = new Set(objects.map((o) => o.kind));
  const owners = POD_OWNERS.filter((k) => kinds.has(k));
  if (!owners.length || kinds.has('Pod')) return;
  const missing = ['Pod', ...(kinds.has('Deployment') && !kinds.has('ReplicaSet') ? ['ReplicaSet'] : [])];
  throw new InputError(
    `the snapshot holds ${owners.join(', ')} objects but no ${missing.join(' or ')} objects: usage cannot ` +
      `be attributed to workloads without their pods; add them (kubectl get ${missing.map((k) => k.toLowerCase() + 's').join(',')} -A -o yaml) ` +
      'or take the snapshot with `tidemark snapshot`',
    { file: dir, object: `missing kinds: ${missing.join(', ')}` },
  );
}

export function readSnapshot(dir: string): KubernetesInventory {
  if (!existsSync(dir)) throw new InputError('snapshot directory does not exist', { file: dir });
  const files = statSync(dir).isDirectory() ? listFiles(dir) : [dir];
  const origins = new WeakMap<KubeObject, ObjectOrigin>();
  const objects: KubeObject[] = [];
  let facts: ClusterFacts = {};
  const manifestPath = join(dir, SNAPSHOT_MANIFEST);
  let manifest: SnapshotManifest | undefined;
  if (existsSync(manifestPath)) {
    manifest = readManifest(manifestPath);
    facts = {
      version: manifest.cluster.version,
      metricsApiAvailable: manifest.cluster.metricsApiAvailable,
      installedKinds: manifest.cluster.installedKinds,
    };
  }
  for (const file of files) {
    if (file === manifestPath) continue;
    const text = readFileSync(file, 'utf8');
    const rel = relative(dir, file) || file;
    for (const o of readObjectsFromText(text, rel)) {
      origins.set(o, { file: rel, source: 'snapshot' });
      objects.push(o);
    }
  }
  if (!objects.length)
    throw new InputError(
      'snapshot holds no Kubernetes objects (expected YAML/JSON files from `kubectl get … -o yaml`)',
      { file: dir },
    );
  if (manifest) checkManifestCounts(manifest, objects, origins, manifestPath);
  checkAttributable(objects, dir);
  if (facts.metricsApiAvailable === undefined) facts.metricsApiAvailable = metricsApiFromObjects(objects);
  return { objects, origins, facts };
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...listFiles(p));
    else if (/\.(ya?ml|json)$/i.test(name)) out.push(p);
  }
  return out;
}

function readManifest(path: string): SnapshotManifest {
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`malformed snapshot manifest: ${(err as Error).message.split('\n')[0]}`, {
      file: path,
    });
  }
  const version = (data as { formatVersion?: unknown })?.formatVersion;
  if (typeof version === 'number' && version !== SNAPSHOT_FORMAT_VERSION) {
    throw new InputError(
      `snapshot format version ${version} is not supported (this Tidemark reads version ${SNAPSHOT_FORMAT_VERSION})`,
      {
        file: path,
        field: 'formatVersion',
      },
    );
  }
  validateOrThrow(MANIFEST_SCHEMA, data, { file: path, object: 'ClusterSnapshot' });
  return data as SnapshotManifest;
}

function checkManifestCounts(
  m: SnapshotManifest,
  objects: KubeObject[],
  origins: WeakMap<KubeObject, ObjectOrigin>,
  path: string,
): void {
  for (const f of m.files) {
    const n = objects.filter((o) => origins.get(o)?.file === f.file && o.kind === f.kind).length;
    if (n !== f.count) {
      throw new InputError(
        `manifest lists ${f.count} ${f.kind} object(s) in ${f.file}, found ${n}: the snapshot is incomplete`,
        {
          file: path,
          field: 'files',
        },
      );
    }
  }
}

function metricsApiFromObjects(objects: KubeObject[]): boolean | undefined {
  const svc = objects.find((o) => o.kind === 'APIService' && o.metadata.name === 'v1beta1.metrics.k8s.io');
  if (!svc) return undefined;
  const conditions = (svc.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
  return conditions.some((c) => c.type === 'Available' && c.status === 'True');
}
