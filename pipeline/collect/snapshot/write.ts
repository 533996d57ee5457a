/**
 * Writes an inventory as the snapshot the offline source reads: one `v1 List` file per kind and
 * the manifest (format version, facts, files and counts). Values that look like secrets are
 * scrubbed on the way out, so a snapshot can be attached to a bug report.
 */
import { mkdirSync, writeFileSync, renameSync, rmSync, existsSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { stringify } from 'yaml';
import { sanitizeValue } from '../../core/sanitize.js';
import type { KubeObject, KubernetesInventory } from '../types.js';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MANIFEST, type SnapshotManifest } from './index.js';

const SECRETISH = /(password|passwd|secret|token|api[-_]?key|credential|private[-_]?key)/i;

/** Registered secrets and secret-named keys scrubbed at any depth (objects are finite, unlike logs). */
function scrub(o: KubeObject): KubeObject {
  const annotations = o.metadata.annotations;
  if (!annotations) return sanitizeValue(o, { maxDepth: Infinity }) as KubeObject;
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations)) clean[k] = SECRETISH.test(k) ? '**redacted**' : v;
  return sanitizeValue(
    { ...o, metadata: { ...o.metadata, annotations: clean } },
    { maxDepth: Infinity },
  ) as KubeObject;
}

/** All files are written to a temporary directory first: an interrupted export leaves nothing. */
export function writeSnapshot(
  inv: KubernetesInventory,
  outDir: string,
  clusterName: string,
): SnapshotManifest {
  const byKind = new Map<string, KubeObject[]>();
  for (const o of inv.objects) {
    const k = `${o.apiVersion} ${o.kind}`;
    if (!byKind.has(k)) byKind.set(k, []);
    byKind.get(k)!.push(scrub(o));
  }
  const tmp = join(dirname(outDir), `.${basename(outDir)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const files: SnapshotManifest['files'] = [];
  for (const [key, items] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
    const [apiVersion, kind] = key.split(' ') as [string, string];
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]!.replace(/\./g, '-') + '-' : '';
    const file = `${group}${kind.toLowerCase()}s.yaml`;
    writeFileSync(join(tmp, file), stringify({ apiVersion: 'v1', kind: 'List', items }, { lineWidth: 0 }));
    files.push({ file, apiVersion, kind, count: items.length });
  }
  const manifest: SnapshotManifest = {
    apiVersion: 'tidemark.io/v1alpha1',
    kind: 'ClusterSnapshot',
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    cluster: {
      name: clusterName,
      ...(inv.facts.version ? { version: inv.facts.version } : {}),
      ...(inv.facts.metricsApiAvailable !== undefined
        ? { metricsApiAvailable: inv.facts.metricsApiAvailable }
        : {}),
      installedKinds: inv.facts.installedKinds ?? [],
    },
    files,
  };
  writeFileSync(join(tmp, SNAPSHOT_MANIFEST), stringify(manifest));
  if (existsSync(outDir)) rmSync(outDir, { recursive: true, force: true });
  mkdirSync(dirname(outDir), { recursive: true });
  renameSync(tmp, outDir);
  return manifest;
}
