/**
 * Cluster-level subjects (Koordinator's ConfigMap, the ClusterResourceOverride, a Namespace): not
 * workloads, so they are located by kind and name and edited where they are declared.
 */
import type { JsonValue } from '../analyze/types.js';
import type { WorkloadChange } from '../plan/types.js';
import { formatFieldPath } from '../plan/field-path.js';
import { YamlEditError } from './edit/errors.js';
import { applyEdits } from './edit/yaml-editor.js';
import { documentData, firstError, parseDocuments } from './edit/parse-cache.js';
import { editJsonInBlockScalar, jsonDiff } from './edit/json-in-block.js';
import { dataAt } from './targets/target.js';
import { isProblem, type RepoIndex } from './locate/repo-index.js';
import type { Locator } from './locate/locate.js';
import { locationText, sameValue, schemaProblem } from './values.js';

export const SUBJECT_KINDS = new Set(['ConfigMap', 'ClusterResourceOverride', 'Namespace', 'NodePool']);

/**
 * Closed schemas for a whole subject object, checked after every edit of it (scalar fields
 * included): the CRD's own schema is open, so a field the API server would prune, or a percent
 * out of its range, is caught before the PR instead of after the merge.
 */
const OBJECT_SCHEMAS: Record<string, string> = {
  'operator.autoscaling.openshift.io/v1/ClusterResourceOverride':
    'https://tidemark.io/schemas/kubernetes/openshift-clusterresourceoverride-v1.json',
};

/** Subjects that are a value in a file the config names (a node pool's size), not an object. */
export const FILE_SUBJECT_KINDS = new Set(['NodeGroup']);

/**
 * A value at a dotted path of a file named in config. The file must exist and hold the value the
 * cluster shows (the pool's live node count); otherwise Git and the cluster disagree and the
 * file is left alone.
 */
export function renderFileSubject(
  index: RepoIndex,
  change: WorkloadChange,
): { files: string[] } | { skip: { reason: string; detail: string } } {
  const files = new Set<string>();
  const snapshot = index.snapshot();
  for (const f of change.fields) {
    const file = f.file;
    if (!file || !index.exists(file))
      return {
        skip: {
          reason: 'not-in-git',
          detail: `${file ?? '(no file)'} does not exist in the repo (clusters[].settings.capacity.nodeGroups)`,
        },
      };
    // Not a Kubernetes object: every document of the file, with or without a kind.
    const parsed = parseDocuments(index.read(file));
    const bad = firstError(parsed);
    if (bad) return { skip: { reason: 'render-refused', detail: `${file}: ${bad}` } };
    const valueIn = (i: number) => {
      const g = dataAt(documentData(parsed[i]!), f.path);
      return 'value' in g ? g.value : undefined;
    };
    const at = parsed.findIndex((_, i) => valueIn(i) !== undefined);
    if (at < 0)
      return {
        skip: { reason: 'not-in-git', detail: `${file}: no value at ${formatFieldPath(f.path)}` },
      };
    const git = valueIn(at);
    if (!sameValue(git, f.current))
      return {
        skip: {
          reason: 'git-live-mismatch',
          detail: `${file}: ${formatFieldPath(f.path)} is ${JSON.stringify(git)} in Git but the cluster runs ${JSON.stringify(f.current)}; left alone until they agree`,
        },
      };
    try {
      index.write(file, applyEdits(index.read(file), at, [{ path: f.path, value: f.proposed }]));
    } catch (err) {
      index.restore(snapshot);
      if (!(err instanceof YamlEditError)) throw err;
      return { skip: { reason: 'render-refused', detail: `${file}: ${err.message}` } };
    }
    files.add(file);
  }
  return { files: [...files] };
}

/**
 * Fields of one cluster-level object. It is edited where it is declared: a plain manifest, or a
 * kustomize resource of the cluster's own folder (never a shared base). A JSON value held in a
 * ConfigMap key is edited inside its block scalar, after the proposal passes its closed schema.
 */
export function renderSubject(
  index: RepoIndex,
  locator: Locator,
  change: WorkloadChange,
): { files: string[] } | { skip: { reason: string; detail: string } } {
  const [kind, namespace, name] = change.workload.split('/') as [string, string, string];
  const found = locator.locate({ kind, name, namespace: namespace || undefined, gitops: {} });
  if ('skip' in found) return found;
  const loc = found.location;
  const at =
    loc.flavour === 'plain-manifest'
      ? { file: loc.file, docIndex: loc.docIndex }
      : loc.flavour === 'kustomize' &&
          (loc.resource.doc.file.startsWith(`${loc.overlay}/`) || loc.overlay === '')
        ? { file: loc.resource.doc.file, docIndex: loc.resource.doc.index }
        : undefined;
  if (!at)
    return {
      skip: {
        reason: 'render-refused',
        detail: `${kind} ${name} comes from ${locationText(loc)} outside this cluster's own folder; a shared copy is never edited`,
      },
    };
  const docs = index.docs(at.file);
  if (isProblem(docs)) return { skip: { reason: 'render-refused', detail: `${at.file}: ${docs.detail}` } };
  const data = docs.find((d) => d.index === at.docIndex)!.data as unknown;
  const snapshot = index.snapshot();
  try {
    for (const f of change.fields) {
      const g = dataAt(data, f.path);
      const git = 'value' in g ? g.value : undefined;
      if (!sameValue(git, f.current))
        return {
          skip: {
            reason: 'git-live-mismatch',
            detail: `${kind} ${name}: ${formatFieldPath(f.path)} differs between Git and the cluster (a merged change not yet synced, or drift); left alone until they agree`,
          },
        };
    }
    for (const f of change.fields) {
      if (f.proposed !== null && typeof f.proposed === 'object') {
        if (f.schema) {
          const invalid = schemaProblem(f.schema, f.proposed);
          if (invalid)
            throw new YamlEditError(
              'not-a-mapping',
              `${formatFieldPath(f.path)} fails its schema: ${invalid}`,
            );
        }
        const git = dataAt(data, f.path);
        const text = 'value' in git && typeof git.value === 'string' ? git.value : undefined;
        if (text === undefined)
          throw new YamlEditError('not-a-mapping', `${formatFieldPath(f.path)} holds no JSON text in Git`);
        index.write(
          at.file,
          editJsonInBlockScalar(
            index.read(at.file),
            at.docIndex,
            f.path,
            jsonDiff(JSON.parse(text) as JsonValue, f.proposed),
          ),
        );
      } else if (!sameValue(f.proposed, f.current)) {
        index.write(
          at.file,
          applyEdits(index.read(at.file), at.docIndex, [{ path: f.path, value: f.proposed }]),
        );
      }
    }
    const edited = documentData(parseDocuments(index.read(at.file))[at.docIndex]!) as {
      apiVersion?: string;
    };
    const objectSchema = OBJECT_SCHEMAS[`${edited?.apiVersion}/${kind}`];
    const invalid = objectSchema ? schemaProblem(objectSchema, edited) : undefined;
    if (invalid)
      throw new YamlEditError('not-a-mapping', `${kind} ${name} fails its schema after the edit: ${invalid}`);
  } catch (err) {
    index.restore(snapshot);
    if (!(err instanceof YamlEditError)) throw err;
    return { skip: { reason: 'render-refused', detail: `${at.file}: ${err.message}` } };
  }
  return { files: [at.file] };
}
