/**
 * A workload built by kustomize. A value an overlay patch already sets is edited in that patch;
 * a value of the overlay's own resource is edited in place; anything that comes from a base other
 * clusters share goes into a strategic-merge patch in this cluster's overlay: one document per
 * object in the overlay's `tidemark-patches.yaml` (created once and listed once in `patches:`, then
 * edited in place, a later object appended as one more document).
 */
import { posix } from 'node:path';
import { stringify } from 'yaml';
import type { FieldPath, JsonValue } from '../../analyze/types.js';
import { applyEdits } from '../edit/yaml-editor.js';
import { appendToTopLevelList } from '../edit/list-append.js';
import { YamlEditError } from '../edit/errors.js';
import type { RepoIndex } from '../locate/repo-index.js';
import { isProblem, problemText } from '../locate/repo-index.js';
import { effectiveData, kustomizationIn, type ResolvedResource, type PatchRef } from '../locate/kustomize.js';
import { dataAt, type FieldEdit, type Target } from './target.js';
import { formatFieldPath } from '../../plan/field-path.js';

/** One object's patch file, as runs before tidemark-patches.yaml wrote them: still edited where it exists. */
export function patchFileName(r: ResolvedResource, overlay: string): string {
  return posix.join(overlay, `tidemark-${r.kind.toLowerCase()}-${r.nameAt.get(overlay) ?? r.doc.name}.yaml`);
}

/** The overlay's one file of Tidemark's strategic-merge patches, one document per object. */
export function patchesFileName(overlay: string): string {
  return posix.join(overlay, 'tidemark-patches.yaml');
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
  const k = kustomizationIn(index, overlay);
  if (!k) throw new YamlEditError('not-a-mapping', `${overlay} has no kustomization`);
  const grouped = patchesFileName(overlay);
  const legacy = patchFileName(r, overlay);
  // Our own patch of the object first, where an earlier run left it (the overlay's
  // tidemark-patches.yaml, or the one-file-per-object patch of runs before it): edited in place.
  const ours =
    ourPatchOf(index, grouped, r, overlay) ?? (index.exists(legacy) ? { file: legacy, index: 0 } : undefined);
  if (ours) {
    index.write(ours.file, applyEdits(index.read(ours.file), ours.index, edits));
    return [ours.file];
  }
  // Then this cluster's own patch of the object (e.g. its HelmRelease values patch), unless it
  // cannot hold the values (a list item it does not name).
  const ownPatch = r.patches
    .filter((p) => p.dir === overlay && p.file !== grouped && p.file !== legacy)
    .at(-1);
  if (ownPatch) {
    try {
      index.write(ownPatch.file, applyEdits(index.read(ownPatch.file), ownPatch.index, edits));
      return [ownPatch.file];
    } catch (err) {
      if (!(err instanceof YamlEditError) || err.reason !== 'list-item-missing') throw err;
    }
  }
  if (edits.some((e) => e.value === undefined))
    throw new YamlEditError('not-a-mapping', 'cannot remove a base field through a new patch');
  // Every object's patch of one overlay in one file, listed once: a reviewer reads one new file
  // instead of one per workload, and a later object is a document appended to it.
  const files = [grouped];
  index.write(
    grouped,
    appendPatchDocument(index.exists(grouped) ? index.read(grouped) : null, r, overlay, edits, meta),
  );
  const listed = [...(k.data.patches ?? []), ...(k.data.patchesStrategicMerge ?? [])].some(
    (p: unknown) => (typeof p === 'string' ? p : (p as { path?: string })?.path) === posix.basename(grouped),
  );
  if (!listed) {
    const useOld = Array.isArray(k.data.patchesStrategicMerge) && !Array.isArray(k.data.patches);
    const text = useOld
      ? appendToTopLevelList(index.read(k.file), 'patchesStrategicMerge', posix.basename(grouped))
      : appendToTopLevelList(index.read(k.file), 'patches', { path: posix.basename(grouped) });
    index.write(k.file, text);
    files.push(k.file);
  }
  return files;
}

/** The document of the overlay's tidemark-patches.yaml that patches this object, if any. */
function ourPatchOf(
  index: RepoIndex,
  file: string,
  r: ResolvedResource,
  overlay: string,
): { file: string; index: number } | undefined {
  if (!index.exists(file)) return undefined;
  const docs = index.docs(file);
  if (isProblem(docs))
    throw new YamlEditError(
      'not-a-mapping',
      `${file} does not parse (${problemText(docs)}); Tidemark edits it only when it does`,
    );
  const name = r.nameAt.get(overlay) ?? r.doc.name;
  const d = docs.find(
    (x) =>
      x.kind === r.kind &&
      x.name === name &&
      (!x.namespace || !r.doc.namespace || x.namespace === r.doc.namespace),
  );
  return d ? { file, index: d.index } : undefined;
}

const PATCHES_HEADER = (cluster: string): string =>
  `# Managed by Tidemark for cluster ${cluster}: values that differ from the shared base, one document per object.\n# Edit freely; Tidemark updates only the fields it owns.\n`;

/** The patches file with one more document: a new file with its header, or the old bytes and the document after them. */
function appendPatchDocument(
  text: string | null,
  r: ResolvedResource,
  overlay: string,
  edits: FieldEdit[],
  meta: { cluster: string },
): string {
  const doc = newPatch(r, overlay, edits);
  if (text === null) return PATCHES_HEADER(meta.cluster) + doc;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const sep = text.length === 0 || text.endsWith('\n') ? '' : eol;
  return `${text}${sep}---${eol}${eol === '\n' ? doc : doc.replace(/\n/g, eol)}`;
}

function newPatch(r: ResolvedResource, overlay: string, edits: FieldEdit[]): string {
  const doc: Record<string, unknown> = {
    apiVersion: r.doc.apiVersion,
    kind: r.kind,
    metadata: {
      name: r.nameAt.get(overlay) ?? r.doc.name,
      ...(r.doc.namespace ? { namespace: r.doc.namespace } : {}),
    },
  };
  for (const e of edits) setIn(doc, e.path, e.value as JsonValue);
  return stringify(doc, { lineWidth: 0 });
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
