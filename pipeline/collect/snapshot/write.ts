/**
 * Writes an inventory as the snapshot the offline source reads: one `v1 List` file per kind and
 * the manifest (format version, facts, files and counts). Values that look like secrets are
 * scrubbed on the way out, so a snapshot can be attached to a bug report.
 */
import { stringify } from 'yaml';
import { sanitizeValue } from '../../core/sanitize.js';
import { writeOutputFiles, type OutputContent } from '../../core/output-dir.js';
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

/**
 * Written all-or-nothing by core/output-dir.ts, which also decides whether `outDir` may be
 * replaced (missing, empty, or an earlier output of ours; anything else is refused).
 */
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
  const out: Record<string, OutputContent> = {};
  const files: SnapshotManifest['files'] = [];
  for (const [key, items] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
    const [apiVersion, kind] = key.split(' ') as [string, string];
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]!.replace(/\./g, '-') + '-' : '';
    const file = `${group}${kind.toLowerCase()}s.yaml`;
    // Serialised when written, one kind at a time, never all kinds' text at once.
    out[file] = {
      *[Symbol.iterator]() {
        yield stringify({ apiVersion: 'v1', kind: 'List', items }, { lineWidth: 0 });
      },
    };
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
  out[SNAPSHOT_MANIFEST] = stringify(manifest);
  writeOutputFiles(outDir, out, 'snapshot');
  return manifest;
}
