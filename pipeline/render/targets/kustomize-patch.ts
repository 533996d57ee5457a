/**
 * A workload built by kustomize. A value an overlay patch already sets is edited in that patch;
 * a value of the overlay's own resource is edited in place; anything that comes from a base other
 * clusters share goes into a strategic-merge patch in this cluster's overlay (created once, then
 * edited), added to the overlay's kustomization.
 */
import { posix } from 'node:path';
import { stringify } from 'yaml';
import type { FieldPath, JsonValue } from '../../analyze/types.js';
import { applyEdits } from '../edit/yaml-editor.js';
import { appendToTopLevelList } from '../edit/list-append.js';
import { YamlEditError } from '../edit/errors.js';
import type { RepoIndex } from '../locate/repo-index.js';
import { effectiveData, kustomizationIn, type ResolvedResource, type PatchRef } from '../locate/kustomize.js';
import { dataAt, type FieldEdit, type Target } from './target.js';
import { formatFieldPath } from '../../plan/field-path.js';

export function patchFileName(r: ResolvedResource, overlay: string): string {
  return posix.join(overlay, `tidemark-${r.kind.toLowerCase()}-${r.nameAt.get(overlay) ?? r.doc.name}.yaml`);
}

export interface KustomizeMeta {
  cluster: string;
  /**
   * Who else builds a file's folder (another overlay, another cluster's Application or
   * Kustomization), in words; empty when only this cluster does. Without it, only files inside the
   * overlay are edited in place.
   */
  sharedBy?: (file: string, ownDirs: string[]) => string[];
}

export function kustomizeTarget(
  index: RepoIndex,
  overlay: string,
  r: ResolvedResource,
  meta: KustomizeMeta,
): Target {
  const inOverlay = (file: string): boolean => overlay === '' || file.startsWith(`${overlay}/`);
  // A file only this cluster's build takes in is edited where the value stands; a shared one
  // (another overlay, another cluster's engine) gets a patch in this cluster's overlay.
  const own = (file: string): boolean =>
    meta.sharedBy ? meta.sharedBy(file, r.chain).length === 0 : inOverlay(file);
  return {
    gitValue(path) {
      return dataAt(effectiveData(r), path);
    },
    apply(edits) {
      const byTarget = new Map<string, { file: string; index: number; edits: FieldEdit[] }>();
      const forPatch: FieldEdit[] = [];
      for (const e of edits) {
        if (r.replicas && e.path.length === 2 && e.path[0] === 'spec' && e.path[1] === 'replicas')
          throw new YamlEditError(
            'not-a-mapping',
            `spec.replicas of ${r.kind} ${r.name} is set by the replicas: entry of ${r.replicas.file}; Tidemark leaves kustomize's replicas, images and components to you`,
          );
        const setter = lastSetter(r, e.path);
        if (setter && (setter.dir === overlay || own(setter.file)))
          add(byTarget, setter.file, setter.index, e);
        else if (!setter && own(r.doc.file)) add(byTarget, r.doc.file, r.doc.index, e);
        else forPatch.push(e);
      }
      const files: string[] = [];
      for (const t of byTarget.values()) {
        index.write(t.file, applyEdits(index.read(t.file), t.index, t.edits));
        files.push(t.file);
      }
      if (forPatch.length) {
        // A patch in a folder another overlay or cluster also builds would reach them too.
        const others = meta.sharedBy?.(posix.join(overlay, 'kustomization.yaml'), []) ?? [];
        if (others.length)
          throw new YamlEditError(
            'shared',
            `${forPatch.map((e) => formatFieldPath(e.path)).join(', ')} of ${r.kind} ${r.name} come${forPatch.length > 1 ? '' : 's'} from ${r.doc.file}, and ${overlay || '.'}/, where this cluster's patch would go, is also built by ${others.join(' and ')}: a patch there would change them too`,
          );
        files.push(...writeOverlayPatch(index, overlay, r, liftListEdits(r, forPatch), meta));
      }
      return files;
    },
  };
}

function add(
  m: Map<string, { file: string; index: number; edits: FieldEdit[] }>,
  file: string,
  index: number,
  e: FieldEdit,
): void {
  const key = `${file}#${index}`;
  const t = m.get(key) ?? { file, index, edits: [] };
  t.edits.push(e);
  m.set(key, t);
}

/** The innermost-to-outermost last patch that sets this path, if any. */
function lastSetter(r: ResolvedResource, path: FieldPath): PatchRef | undefined {
  let found: PatchRef | undefined;
  for (const p of r.patches) {
    const v = dataAt(p.data, path);
    if ('value' in v && v.value !== undefined) found = p;
  }
  return found;
}

function writeOverlayPatch(
  index: RepoIndex,
  overlay: string,
  r: ResolvedResource,
  edits: FieldEdit[],
  meta: { cluster: string },
): string[] {
  const file = patchFileName(r, overlay);
  const k = kustomizationIn(index, overlay);
  if (!k) throw new YamlEditError('not-a-mapping', `${overlay} has no kustomization`);
  const files: string[] = [];
  // This cluster's own patch of the object (e.g. its HelmRelease values patch) takes the values
  // first; a new Tidemark patch only when there is none, or it cannot hold them (a list item it
  // does not name).
  const ownPatch = r.patches.filter((p) => p.dir === overlay && p.file !== file).at(-1);
  if (ownPatch && !index.exists(file)) {
    try {
      index.write(ownPatch.file, applyEdits(index.read(ownPatch.file), ownPatch.index, edits));
      return [ownPatch.file];
    } catch (err) {
      if (!(err instanceof YamlEditError) || err.reason !== 'list-item-missing') throw err;
    }
  }
  if (index.exists(file)) {
    index.write(file, applyEdits(index.read(file), 0, edits));
  } else {
    if (edits.some((e) => e.value === undefined))
      throw new YamlEditError('not-a-mapping', 'cannot remove a base field through a new patch');
    index.write(file, newPatch(r, overlay, edits, meta));
  }
  files.push(file);
  const listed = [...(k.data.patches ?? []), ...(k.data.patchesStrategicMerge ?? [])].some(
    (p: unknown) => (typeof p === 'string' ? p : (p as { path?: string })?.path) === posix.basename(file),
  );
  if (!listed) {
    const useOld = Array.isArray(k.data.patchesStrategicMerge) && !Array.isArray(k.data.patches);
    const text = useOld
      ? appendToTopLevelList(index.read(k.file), 'patchesStrategicMerge', posix.basename(file))
      : appendToTopLevelList(index.read(k.file), 'patches', { path: posix.basename(file) });
    index.write(k.file, text);
    files.push(k.file);
  }
  return files;
}

function newPatch(
  r: ResolvedResource,
  overlay: string,
  edits: FieldEdit[],
  meta: { cluster: string },
): string {
  const doc: Record<string, unknown> = {
    apiVersion: r.doc.apiVersion,
    kind: r.kind,
    metadata: {
      name: r.nameAt.get(overlay) ?? r.doc.name,
      ...(r.doc.namespace ? { namespace: r.doc.namespace } : {}),
    },
  };
  for (const e of edits) setIn(doc, e.path, e.value as JsonValue);
  const header = `# Managed by Tidemark for cluster ${meta.cluster}: values that differ from the shared base.\n# Edit freely; Tidemark updates only the fields it owns.\n`;
  return header + stringify(doc, { lineWidth: 0 });
}

function setIn(root: Record<string, unknown>, path: FieldPath, value: JsonValue): void {
  let node: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (typeof seg === 'string') {
      const obj = node as Record<string, unknown>;
      if (last) obj[seg] = value;
      else {
        const next = path[i + 1]!;
        obj[seg] ??= typeof next === 'string' ? {} : [];
        node = obj[seg] as Record<string, unknown>;
      }
    } else if (typeof seg === 'object') {
      const list = node as unknown as Record<string, unknown>[];
      let item = list.find((x) => x.name === seg.name);
      if (!item) {
        item = { name: seg.name };
        list.push(item);
      }
      node = item;
    } else throw new YamlEditError('not-a-mapping', 'list positions cannot be patched');
  }
}

/**
 * A strategic-merge patch cannot address a list item by position, and lists without a merge key
 * (an HPA's metrics) are replaced whole. So an edit inside such a list becomes one edit of the
 * whole list: the base's list with the changes applied.
 */
function liftListEdits(r: ResolvedResource, edits: FieldEdit[]): FieldEdit[] {
  const out: FieldEdit[] = [];
  const lists = new Map<string, { path: FieldPath; value: JsonValue[] }>();
  for (const e of edits) {
    const k = e.path.findIndex((seg) => typeof seg === 'number');
    if (k < 0) {
      out.push(e);
      continue;
    }
    const listPath = e.path.slice(0, k);
    const key = JSON.stringify(listPath);
    let list = lists.get(key);
    if (!list) {
      const current = dataAt(effectiveData(r), listPath);
      if (!('value' in current) || !Array.isArray(current.value))
        throw new YamlEditError('not-a-mapping', `${listPath.join('.')} is not a list in the base`);
      list = { path: listPath, value: structuredClone(current.value) as JsonValue[] };
      lists.set(key, list);
    }
    let node: unknown = list.value;
    const rest = e.path.slice(k);
    for (let i = 0; i < rest.length - 1; i++)
      node = (node as Record<string | number, unknown>)[rest[i] as string | number];
    if (node === undefined || node === null || typeof rest.at(-1) === 'object')
      throw new YamlEditError('not-a-mapping', `cannot follow ${e.path.join('.')} in the base`);
    (node as Record<string | number, unknown>)[rest.at(-1) as string | number] = e.value;
  }
  for (const l of lists.values()) out.push({ path: l.path, value: l.value });
  return out;
}
