/**
 * Render: every WorkloadChange becomes byte-minimal edits in the GitOps checkout, or a skip with
 * the reason. Git and live are compared first: when they disagree (a merged change not yet
 * synced, drift), the workload is left alone — which is also why a second plan on an applied
 * branch proposes nothing.
 */
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import { posix } from 'node:path';
import type { Logger } from '../core/logger.js';
import { parseQuantity } from '../core/quantity.js';
import type { RepoConfig } from '../config/types.js';
import type { ClusterModel, WorkloadModel } from '../model/types.js';
import type { FieldPath, JsonValue, Skipped } from '../analyze/types.js';
import type { WorkloadChange } from '../plan/types.js';
import { formatFieldPath } from '../plan/field-path.js';
import type { FileEdit, RenderResult, SourceLocation } from './types.js';
import { RepoIndex, normalize } from './locate/repo-index.js';
import { Locator, type Location } from './locate/locate.js';
import { kustomizationIn } from './locate/kustomize.js';
import { autoscalingValuesFor } from './locate/helm.js';
import { YamlEditError } from './edit/errors.js';
import { applyEdits, applyEditsToDocuments, type YamlEdit } from './edit/yaml-editor.js';
import { editJsonInBlockScalar, jsonDiff } from './edit/json-in-block.js';
import { sameData } from './edit/verify.js';
import { dataAt } from './targets/target.js';
import { isProblem } from './locate/repo-index.js';
import { appendToTopLevelList } from './edit/list-append.js';
import { plainManifestTarget } from './targets/plain-manifest.js';
import { kustomizeTarget } from './targets/kustomize-patch.js';
import { helmValuesTarget } from './targets/helm-values.js';
import type { Target } from './targets/target.js';
import { GitOpsEngines } from './locate/gitops-engines.js';
import { applyHandOver } from './handover.js';
import { getValidator, describeAjvError } from '../core/json-schema.js';

/** A rendered object must pass its closed schema before it reaches a PR; the first problem, or undefined. */
function schemaProblem(schema: string, manifest: unknown): string | undefined {
  const validate = getValidator(schema);
  if (validate(manifest)) return undefined;
  const e = describeAjvError(validate.errors![0]!);
  return `${e.field} ${e.message}`;
}

export interface RenderInput {
  repoDir: string;
  repo: RepoConfig;
  cluster: string;
  model: ClusterModel;
  changes: WorkloadChange[];
  logger: Logger;
}

export async function renderChanges(input: RenderInput): Promise<RenderResult> {
  const index = new RepoIndex(input.repoDir);
  const locator = new Locator(index, input.repo);
  const engines = new GitOpsEngines(index, {
    argocdDir: input.repo.argocd?.applications,
    fluxDir: input.repo.flux?.kustomizations,
  });
  const handOverNotes = new Map<string, string[]>();
  const skipped: Skipped[] = [];
  const rendered = new Map<string, string[]>();
  const locations = new Map<string, SourceLocation>();
  const pending = new Map<
    string,
    { workload: string; docIndex: number; edits: YamlEdit[]; where: string }[]
  >();

  for (const change of input.changes) {
    const w = input.model.workloads.get(change.workload);
    const skip = (reason: string, detail: string, container?: string): void => {
      skipped.push({
        analyzer: 'render',
        workload: change.workload,
        reason,
        detail,
        ...(container ? { container } : {}),
      });
    };
    if (!w) {
      // Cluster-level subjects (Koordinator's ConfigMap, the ClusterResourceOverride, a Namespace).
      if (SUBJECT_KINDS.has(change.workload.split('/')[0]!)) {
        const out = renderSubject(index, locator, change);
        if ('skip' in out) skip(out.skip.reason, out.skip.detail);
        else rendered.set(change.workload, out.files);
        continue;
      }
      skip('not-in-cluster', 'the workload is not in the live cluster state');
      continue;
    }
    const found = locator.locate({ kind: w.kind, name: w.name, namespace: w.namespace, gitops: w.gitops });
    if ('skip' in found) {
      skip(found.skip.reason, found.skip.detail);
      continue;
    }
    const loc = found.location;
    locations.set(w.key, sourceLocation(w.key, loc));
    // Fields of other objects (the workload's HPA) are located in Git on their own; everything for
    // one workload still succeeds or is skipped together.
    const units: { what: string; loc: Location; target: Target; fields: typeof change.fields }[] = [
      { what: `${w.kind} ${w.name}`, loc, target: targetFor(index, loc, w, input.cluster), fields: [] },
    ];
    let unitSkip: { reason: string; detail: string } | undefined;
    for (const f of change.fields) {
      if (f.object.kind === w.kind && f.object.name === w.name) {
        units[0]!.fields.push(f);
        continue;
      }
      const what = `${f.object.kind} ${f.object.name}`;
      let unit = units.find((u) => u.what === what);
      if (!unit) {
        const other = input.model.hpas.find(
          (h) =>
            f.object.kind === 'HorizontalPodAutoscaler' &&
            h.name === f.object.name &&
            h.namespace === f.object.namespace,
        );
        const at = locator.locate({
          kind: f.object.kind,
          name: f.object.name,
          namespace: f.object.namespace,
          gitops: other?.gitops ?? w.gitops,
        });
        if ('skip' in at) {
          unitSkip = { reason: at.skip.reason, detail: `${what}: ${at.skip.detail}` };
          break;
        }
        if (at.location.flavour === 'helm-values') {
          unitSkip = {
            reason: 'render-refused',
            detail: `${what} comes from a Helm chart; its autoscaling values are the chart's own, not mapped here`,
          };
          break;
        }
        unit = {
          what,
          loc: at.location,
          target: targetFor(index, at.location, w, input.cluster),
          fields: [],
        };
        units.push(unit);
      }
      unit.fields.push(f);
    }
    if (unitSkip) {
      skip(unitSkip.reason, unitSkip.detail);
      continue;
    }
    // Compare Git with live for every field first; a single disagreement leaves the workload alone.
    const missing = new Set<string>();
    let mismatch: string | undefined;
    try {
      for (const u of units) {
        const kept = [];
        for (const f of u.fields) {
          const g = u.target.gitValue(f.path);
          if ('missing' in g) {
            missing.add(g.missing);
            continue;
          }
          if (!sameValue(g.value, f.current)) {
            mismatch = `${u.what}: ${formatFieldPath(f.path)} is ${show(g.value)} in Git but ${show(f.current)} live`;
            break;
          }
          kept.push(f);
        }
        u.fields = kept;
        if (mismatch) break;
      }
    } catch (err) {
      if (!(err instanceof YamlEditError)) throw err;
      skip('render-refused', `${locationText(loc)}: ${err.message}`);
      continue;
    }
    for (const name of missing) {
      skip(
        'container-not-in-git',
        `container ${name} runs live but is not in ${locationText(loc)} (injected, e.g. by a service mesh); it is never patched in`,
        name,
      );
    }
    if (mismatch) {
      skip(
        'git-live-mismatch',
        `${mismatch} (a merged change not yet synced, or drift); left alone until they agree`,
      );
      continue;
    }
    const editsOf = (fields: typeof change.fields) =>
      fields
        .filter((f) => !sameValue(f.proposed, f.current))
        .map((f) => ({ path: f.path, value: f.proposed }));
    const edits = editsOf(units[0]!.fields);
    const files: string[] = [];
    // Field edits in a plain manifest wait, so a file holding many workloads is edited (parsed
    // and verified) once for all of them.
    if (
      loc.flavour === 'plain-manifest' &&
      !change.objects.length &&
      !change.handOver?.length &&
      units.length === 1
    ) {
      if (edits.length) {
        const list = pending.get(loc.file) ?? [];
        pending.set(loc.file, list);
        list.push({ workload: w.key, docIndex: loc.docIndex, edits, where: locationText(loc) });
      }
      continue;
    }
    const snapshot = index.snapshot();
    try {
      if (edits.length) files.push(...units[0]!.target.apply(edits));
      for (const u of units.slice(1)) {
        const e = editsOf(u.fields);
        if (e.length) files.push(...u.target.apply(e));
      }
      for (const obj of change.objects) {
        const invalid = schemaProblem(obj.schema, obj.manifest);
        if (invalid)
          throw new YamlEditError(
            'not-a-mapping',
            `the new ${obj.object.kind} ${obj.object.name} fails its schema: ${invalid}`,
          );
        files.push(
          ...placeObject(
            index,
            loc,
            obj.object.kind,
            obj.object.name,
            obj.manifest,
            obj.analyzer,
            input.cluster,
            w,
          ),
        );
      }
      const handed = applyHandOver(index, engines, w.gitops, change.handOver ?? []);
      files.push(...handed.files);
      if (handed.notes.length) handOverNotes.set(w.key, handed.notes);
    } catch (err) {
      if (!(err instanceof YamlEditError)) throw err;
      index.restore(snapshot);
      skip(
        err.reason === 'handover'
          ? 'handover-impossible'
          : err.reason === 'exists'
            ? 'object-exists'
            : err.reason === 'unconfirmed'
              ? 'render-unconfirmed'
              : 'render-refused',
        `${locationText(loc)}: ${err.message}`,
      );
      continue;
    }
    if (files.length) rendered.set(w.key, [...new Set(files)]);
  }

  for (const [file, groups] of pending) {
    try {
      index.write(file, applyEditsToDocuments(index.read(file), groups));
      for (const g of groups) rendered.set(g.workload, [file]);
    } catch (err) {
      if (!(err instanceof YamlEditError)) throw err;
      // One refused edit must not hold the others back: apply one by one to find it.
      for (const g of groups) {
        try {
          index.write(file, applyEdits(index.read(file), g.docIndex, g.edits));
          rendered.set(g.workload, [file]);
        } catch (e) {
          if (!(e instanceof YamlEditError)) throw e;
          skipped.push({
            analyzer: 'render',
            workload: g.workload,
            reason: e.reason === 'unconfirmed' ? 'render-unconfirmed' : 'render-refused',
            detail: `${g.where}: ${e.message}`,
          });
        }
      }
    }
  }

  const edits: FileEdit[] = [];
  for (const [path, after] of index.written()) {
    const before = index.original(path);
    if (before === after) continue;
    edits.push({
      path,
      before,
      after,
      workloads: [...rendered].filter(([, fs]) => fs.includes(path)).map(([w]) => w),
    });
  }
  edits.sort((a, b) => a.path.localeCompare(b.path));
  input.logger.debug('render done', { edits: edits.length, skipped: skipped.length });
  return { edits, skipped, locations, rendered, handOverNotes };
}

function targetFor(index: RepoIndex, loc: Location, w: WorkloadModel, cluster: string): Target {
  switch (loc.flavour) {
    case 'plain-manifest':
      return plainManifestTarget(index, loc.file, loc.docIndex);
    case 'kustomize':
      return kustomizeTarget(index, loc.overlay, loc.resource, { cluster });
    case 'helm-values':
      return helmValuesTarget(index, loc, w);
  }
}

const SUBJECT_KINDS = new Set(['ConfigMap', 'ClusterResourceOverride', 'Namespace']);

/**
 * Fields of one cluster-level object. It is edited where it is declared: a plain manifest, or a
 * kustomize resource of the cluster's own folder (never a shared base). A JSON value held in a
 * ConfigMap key is edited inside its block scalar, after the proposal passes its closed schema.
 */
function renderSubject(
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
  } catch (err) {
    index.restore(snapshot);
    if (!(err instanceof YamlEditError)) throw err;
    return { skip: { reason: 'render-refused', detail: `${at.file}: ${err.message}` } };
  }
  return { files: [at.file] };
}

/** A new object goes where only this cluster sees it, listed in that folder's kustomization. */
function placeObject(
  index: RepoIndex,
  loc: Location,
  kind: string,
  name: string,
  manifest: unknown,
  analyzer: string,
  cluster: string,
  w: WorkloadModel,
): string[] {
  if (loc.flavour === 'helm-values') return helmAutoscaling(index, loc, kind, manifest, w);
  const dir = loc.flavour === 'kustomize' ? loc.overlay : loc.dir;
  const file = normalize(posix.join(dir, `tidemark-${kind.toLowerCase()}-${name}.yaml`));
  const header = `# Added by Tidemark (${analyzer}) for ${w.kind} ${w.namespace}/${w.name} in cluster ${cluster}.\n`;
  const text = header + stringify(manifest, { lineWidth: 0 });
  // Git already holds it (merged, not yet live) or someone changed it: never overwrite a person's edit.
  if (index.exists(file) && index.read(file) !== text)
    throw new YamlEditError(
      'exists',
      `${file} already exists with other content (edited, or not yet synced); it is never overwritten`,
    );
  index.write(file, text);
  const files = [file];
  const k = kustomizationIn(index, dir);
  if (k && !(k.data.resources ?? []).includes(posix.basename(file))) {
    index.write(k.file, appendToTopLevelList(index.read(k.file), 'resources', posix.basename(file)));
    files.push(k.file);
  }
  return files;
}

/**
 * A Helm release gets no new files: an HPA becomes the chart's own autoscaling values when its
 * templates read them (helm create's `autoscaling.{enabled,minReplicas,maxReplicas,
 * targetCPUUtilizationPercentage}`); anything else is refused with the reason.
 */
function helmAutoscaling(
  index: RepoIndex,
  loc: Extract<Location, { flavour: 'helm-values' }>,
  kind: string,
  manifest: unknown,
  w: WorkloadModel,
): string[] {
  if (kind !== 'HorizontalPodAutoscaler')
    throw new YamlEditError('not-a-mapping', `a ${kind} cannot be added to a Helm release from its values`);
  const main = w.template.containers[0]?.name ?? '';
  const found = autoscalingValuesFor(index, loc.chartDir, w.kind, w.name, main, loc.config);
  if ('error' in found) throw new YamlEditError('not-a-mapping', found.error);
  const spec = (
    manifest as {
      spec: {
        minReplicas: number;
        maxReplicas: number;
        metrics: { type: string; resource?: { name: string; target: { averageUtilization?: number } } }[];
      };
    }
  ).spec;
  const cpu = spec.metrics.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  const at = (key: string): FieldPath => [...found.prefix, 'autoscaling', key];
  const edits: YamlEdit[] = [
    { path: at('minReplicas'), value: spec.minReplicas },
    { path: at('maxReplicas'), value: spec.maxReplicas },
  ];
  if (found.keys.has('enabled')) edits.unshift({ path: at('enabled'), value: true });
  if (found.keys.has('targetCPUUtilizationPercentage')) {
    if (!cpu?.resource?.target.averageUtilization)
      throw new YamlEditError(
        'not-a-mapping',
        'the chart only takes a pod CPU target; this HPA measures one container',
      );
    edits.push({ path: at('targetCPUUtilizationPercentage'), value: cpu.resource.target.averageUtilization });
  }
  index.write(loc.editFile, applyEdits(index.read(loc.editFile), 0, edits));
  return [loc.editFile];
}

function sourceLocation(workload: string, loc: Location): SourceLocation {
  if (loc.flavour === 'plain-manifest')
    return { workload, flavour: loc.flavour, file: loc.file, via: loc.via };
  if (loc.flavour === 'kustomize')
    return {
      workload,
      flavour: 'kustomize',
      file: loc.resource.doc.file,
      overlay: loc.overlay,
      via: loc.via,
    };
  return { workload, flavour: 'helm-values', file: loc.editFile, via: loc.via };
}

function locationText(loc: Location): string {
  return loc.flavour === 'plain-manifest'
    ? loc.file
    : loc.flavour === 'kustomize'
      ? `${loc.overlay}/ (kustomize)`
      : loc.editFile;
}

/**
 * Git and live values mean the same thing: quantities compared by value (1 == 1000m, 1Gi == 1024Mi),
 * JSON text by what it parses to (Git's layout may differ from what the API server stores).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string' && /^\s*[{[]/.test(a) && /^\s*[{[]/.test(b)) {
    try {
      return sameData(JSON.parse(a), JSON.parse(b));
    } catch {
      return false;
    }
  }
  if (a === undefined || a === null || b === undefined || b === null)
    return (a ?? undefined) === (b ?? undefined);
  if ((typeof a === 'string' || typeof a === 'number') && (typeof b === 'string' || typeof b === 'number')) {
    if (String(a) === String(b)) return true;
    try {
      return Math.abs(parseQuantity(a) - parseQuantity(b)) < 1e-9;
    } catch {
      return false;
    }
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

function show(v: unknown): string {
  return v === undefined ? '(unset)' : JSON.stringify(v);
}

/** A git-style unified diff of the edits (new files from /dev/null). */
export function unifiedDiff(edits: FileEdit[]): string {
  return edits
    .map((e) => {
      const patch = createTwoFilesPatch(
        e.before === null ? '/dev/null' : `a/${e.path}`,
        `b/${e.path}`,
        e.before ?? '',
        e.after,
        undefined,
        undefined,
        { context: 3 },
      );
      return `diff --git a/${e.path} b/${e.path}\n${e.before === null ? 'new file mode 100644\n' : ''}${patch.replace(/^=+\n/, '')}`;
    })
    .join('');
}

export type { FieldPath };
