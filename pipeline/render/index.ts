/**
 * Render: every WorkloadChange becomes byte-minimal edits in the GitOps checkout, or a skip with
 * the reason. Git and live are compared first: when they disagree (a merged change not yet
 * synced, drift), the workload is left alone — which is also why a second plan on an applied
 * branch proposes nothing.
 */
import { createTwoFilesPatch } from 'diff';
import type { Logger } from '../core/logger.js';
import type { RepoConfig } from '../config/types.js';
import type { ClusterModel, WorkloadModel } from '../model/types.js';
import type { FieldPath, Skipped } from '../analyze/types.js';
import type { WorkloadChange } from '../plan/types.js';
import { formatFieldPath } from '../plan/field-path.js';
import type { FileEdit, RenderResult, SourceLocation } from './types.js';
import { RepoIndex, normalize } from './locate/repo-index.js';
import type { IndexCache } from './locate/index-cache.js';
import { Locator, type Location } from './locate/locate.js';
import { YamlEditError } from './edit/errors.js';
import { applyEdits, applyEditsToDocuments, type YamlEdit } from './edit/yaml-editor.js';
import { plainManifestTarget } from './targets/plain-manifest.js';
import { kustomizeTarget } from './targets/kustomize-patch.js';
import { helmValuesTarget } from './targets/helm-values.js';
import type { Target } from './targets/target.js';
import { GitOpsEngines } from './locate/gitops-engines.js';
import { applyHandOver } from './handover.js';
import { locationText, sameValue, schemaProblem, show } from './values.js';
import { FILE_SUBJECT_KINDS, renderFileSubject, renderSubject, SUBJECT_KINDS } from './subjects.js';
import { placeObject } from './new-objects.js';
import { FolderSharing } from './locate/sharing.js';
import { autoscalingValuesFor } from './locate/helm.js';
import { helmHpaTarget, type HelmWorkload } from './targets/helm-values.js';
import { scalingContradictions } from './scaling-consistency.js';
import { fluxHelmTarget } from './targets/flux-helm-values.js';
import { liveEngineObjects } from './locate/live-engines.js';

export interface RenderInput {
  repoDir: string;
  repo: RepoConfig;
  cluster: string;
  model: ClusterModel;
  changes: WorkloadChange[];
  logger: Logger;
  /** Documents known by file content from earlier runs (the cluster's state folder). */
  indexCache?: IndexCache;
}

export async function renderChanges(input: RenderInput): Promise<RenderResult> {
  const index = new RepoIndex(input.repoDir, input.indexCache);
  const live = liveEngineObjects(input.model);
  const engines = new GitOpsEngines(index, {
    argocdDir: input.repo.argocd?.applications,
    fluxDir: input.repo.flux?.kustomizations,
    live,
    cluster: input.cluster,
  });
  const locator = new Locator(index, input.repo, { live, cluster: input.cluster, engines });
  const sharing = new FolderSharing(index, engines, normalize(input.repo.root ?? ''));
  const ctx: TargetContext = { index, cluster: input.cluster, sharing, engines };
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
      const subjectKind = change.workload.split('/')[0]!;
      if (SUBJECT_KINDS.has(subjectKind) || FILE_SUBJECT_KINDS.has(subjectKind)) {
        const out = FILE_SUBJECT_KINDS.has(subjectKind)
          ? renderFileSubject(index, change)
          : renderSubject(index, locator, change);
        if ('skip' in out) skip(out.skip.reason, out.skip.detail);
        else rendered.set(change.workload, out.files);
        continue;
      }
      skip('not-in-cluster', 'the workload is not in the live cluster state');
      continue;
    }
    // Our analyzers disagreeing with each other is our bug, never something to hand a reviewer.
    const contradictions = scalingContradictions(input.model, w, change);
    if (contradictions.length) {
      input.logger.warn('a change holds objects that contradict each other', {
        workload: w.key,
        contradictions,
      });
      skip(
        'contradiction',
        `${contradictions.join('; ')}: one change must not hold objects that disagree, so none of it is written`,
      );
      continue;
    }
    const found = locator.locate({ kind: w.kind, name: w.name, namespace: w.namespace, gitops: w.gitops });
    if ('skip' in found) {
      skip(found.skip.reason, found.skip.detail);
      continue;
    }
    const loc = found.location;
    locations.set(w.key, sourceLocation(w.key, loc));
    if (change.objects.length && (loc.flavour === 'kustomize' || loc.flavour === 'plain-manifest')) {
      const dir = loc.flavour === 'kustomize' ? loc.overlay : loc.dir;
      const others = sharing.othersBuilding(dir, engines.keyOf(w.gitops));
      if (others.length) {
        skip(
          'shared-folder',
          `the new ${change.objects.map((o) => `${o.object.kind} ${o.object.name}`).join(', ')} would go into ${dir || '.'}/, which ${others.join(' and ')} also build${others.length > 1 ? '' : 's'}: new objects go only where this cluster alone sees them (a per-cluster overlay or folder its Application or Kustomization syncs)`,
        );
        continue;
      }
    }
    // Fields of other objects (the workload's HPA) are located in Git on their own; everything for
    // one workload still succeeds or is skipped together.
    const units: { what: string; loc: Location; target: Target; fields: typeof change.fields }[] = [
      { what: `${w.kind} ${w.name}`, loc, target: targetFor(ctx, loc, w), fields: [] },
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
        let at = locator.locate({
          kind: f.object.kind,
          name: f.object.name,
          namespace: f.object.namespace,
          gitops: other?.gitops ?? w.gitops,
        });
        // A chart that renders the workload renders its HPA too (from the same values), and a
        // templated HPA is never found by a search of plain manifests.
        if ('skip' in at && loc.flavour === 'helm-values' && f.object.kind === 'HorizontalPodAutoscaler')
          at = { location: loc };
        if ('skip' in at) {
          unitSkip = { reason: at.skip.reason, detail: `${what}: ${at.skip.detail}` };
          break;
        }
        let target: Target;
        if (at.location.flavour === 'flux-helm') {
          unitSkip = {
            reason: 'render-refused',
            detail: `${what} comes from the Flux HelmRelease ${at.location.via}: only container resources are set through its values`,
          };
          break;
        }
        if (at.location.flavour === 'helm-values') {
          if (!at.location.chartDir) {
            unitSkip = {
              reason: 'render-refused',
              detail: `${what} comes from the chart ${at.location.remoteChart ?? ''}, which is not in the repository: its autoscaling values cannot be read from its templates`,
            };
            break;
          }
          // The chart renders the HPA from its own autoscaling values: tune those keys.
          const auto = autoscalingValuesFor(
            index,
            at.location.chartDir,
            w.kind,
            w.name,
            w.template.containers[0]?.name ?? '',
            at.location.config,
          );
          if ('error' in auto || !other) {
            unitSkip = {
              reason: 'render-refused',
              detail: `${what} comes from a Helm chart: ${'error' in auto ? auto.error : 'it is not in the live cluster state'}`,
            };
            break;
          }
          target = helmHpaTarget(index, at.location, auto, other);
        } else target = targetFor(ctx, at.location, w);
        unit = { what, loc: at.location, target, fields: [] };
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
        // Workloads come in order, so a file's are mostly together: its edits go in as the next
        // file starts, while the file's parse (read for its Git values) is still cached.
        if (!pending.has(loc.file)) flushPending();
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
      const notes: string[] = [];
      for (const obj of change.objects) {
        const invalid = schemaProblem(obj.schema, obj.manifest);
        if (invalid)
          throw new YamlEditError(
            'not-a-mapping',
            `the new ${obj.object.kind} ${obj.object.name} fails its schema: ${invalid}`,
          );
        const placed = placeObject(
          index,
          loc,
          obj.object.kind,
          obj.object.name,
          obj.manifest,
          obj.analyzer,
          input.cluster,
          w,
        );
        files.push(...placed.files);
        notes.push(...placed.notes);
      }
      const handed = applyHandOver(index, engines, w.gitops, change.handOver ?? []);
      files.push(...handed.files);
      notes.push(...handed.notes);
      if (notes.length) handOverNotes.set(w.key, notes);
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
              : err.reason === 'shared'
                ? 'shared-folder'
                : 'render-refused',
        `${locationText(loc)}: ${err.message}`,
      );
      continue;
    }
    if (files.length) {
      rendered.set(w.key, [...new Set(files)]);
      const note = layoutNote(loc, files);
      if (note) handOverNotes.set(w.key, [...(handOverNotes.get(w.key) ?? []), note]);
    }
  }

  flushPending();

  function flushPending(): void {
    for (const [file, groups] of pending) applyPending(file, groups);
    pending.clear();
  }

  function applyPending(
    file: string,
    groups: { workload: string; docIndex: number; edits: YamlEdit[]; where: string }[],
  ): void {
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

interface TargetContext {
  index: RepoIndex;
  cluster: string;
  sharing: FolderSharing;
  engines: GitOpsEngines;
}

function targetFor(ctx: TargetContext, loc: Location, w: WorkloadModel): Target {
  const { index, cluster, sharing, engines } = ctx;
  switch (loc.flavour) {
    case 'plain-manifest':
      return plainManifestTarget(index, loc.file, loc.docIndex);
    case 'kustomize':
      return kustomizeTarget(index, loc.overlay, loc.resource, {
        cluster,
        sharedBy: (file, ownDirs) => sharing.othersBuildingFile(file, engines.keyOf(w.gitops), ownDirs),
      });
    case 'helm-values':
      return helmValuesTarget(index, loc, helmWorkload(w));
    case 'flux-helm': {
      const releaseTarget = targetFor(ctx, loc.release, w);
      const own = engines.keyOf(w.gitops);
      const chain = loc.release.flavour === 'kustomize' ? loc.release.resource.chain : [];
      return fluxHelmTarget(index, loc, helmWorkload(w), releaseTarget, (file) =>
        sharing.othersBuildingFile(file, own, chain),
      );
    }
  }
}

function helmWorkload(w: WorkloadModel): HelmWorkload {
  return { kind: w.kind, name: w.name, containers: [...w.template.containers, ...w.template.initContainers] };
}

/** What the reviewer must know about where a value went: a values file of the cluster's own. */
function layoutNote(loc: Location, files: string[]): string | undefined {
  if (loc.flavour !== 'helm-values' || !loc.newFile || !files.includes(loc.newFile.file)) return undefined;
  return `Helm values: the chart ${loc.chartDir ?? loc.remoteChart} is also rendered by ${loc.sharedWith?.join(' and ') ?? 'other releases'}, so this cluster's values go into a new file of its own, ${loc.newFile.file}, added to ${loc.newFile.app.doc.file} as helm valueFiles entry ${loc.newFile.entry} (last, so it wins); the shared values files are unchanged`;
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
  if (loc.flavour === 'flux-helm')
    return {
      workload,
      flavour: 'helm-values',
      file: loc.release.flavour === 'kustomize' ? loc.release.resource.doc.file : loc.release.file,
      ...(loc.release.flavour === 'kustomize' ? { overlay: loc.release.overlay } : {}),
      via: loc.via,
    };
  return { workload, flavour: 'helm-values', file: loc.editFile, via: loc.via };
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

export { sameValue };
export type { FieldPath };
