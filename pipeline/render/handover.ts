/**
 * Handing fields over to an in-cluster controller without a fight or a reset. When an HPA takes
 * a workload's replicas (or Aliyun's CronHPA the HPA's min/max), Git must stop re-applying them,
 * and simply deleting `spec.replicas` resets the workload to 1 on the next apply. So the field
 * stays in Git and the engine that syncs it is told to leave it alone:
 *  - Argo CD: an `ignoreDifferences` entry with the JSON pointers, plus the sync option
 *    `RespectIgnoreDifferences=true` (without it ignoreDifferences only hides the diff and a sync
 *    still applies Git's value: argo-cd#6520).
 *  - Flux: a `spec.ignore` rule on the Kustomization: Flux strips the field from its apply while
 *    another manager owns it, and adopts the live value while it is the only owner.
 *  - Flux HelmRelease (the release applies the object, the Kustomization only the release): a
 *    `spec.driftDetection.ignore` rule, with `mode: enabled` unless the user chose a mode, so
 *    drift correction keeps everything else in line with the chart but leaves these fields alone.
 * No engine document in the repository means no safe hand-over: the change is refused.
 */
import type { DriftHandOver, FieldPath, JsonValue } from '../analyze/types.js';
import type { GitOpsTracking } from '../model/types.js';
import { applyEdits, type YamlEdit } from './edit/yaml-editor.js';
import { YamlEditError } from './edit/errors.js';
import type { GitOpsEngines } from './locate/gitops-engines.js';
import { isProblem, type RepoIndex } from './locate/repo-index.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export const RESPECT = 'RespectIgnoreDifferences=true';

export interface HandOverResult {
  files: string[];
  /** One line per rule, for the PR body. */
  notes: string[];
}

function group(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}

export function applyHandOver(
  index: RepoIndex,
  engines: GitOpsEngines,
  tracking: GitOpsTracking,
  rules: DriftHandOver[],
): HandOverResult {
  if (!rules.length) return { files: [], notes: [] };
  const found = engines.engineDocument(tracking);
  if (!found) {
    const required = rules.filter((r) => r.required);
    if (required.length)
      throw new YamlEditError(
        'handover',
        `${required.map((r) => `${r.object.kind} ${r.object.name} ${r.pointers.join(', ')}`).join('; ')} must be left to ${required[0]!.owner}, but no Argo CD Application, Flux HelmRelease or Flux Kustomization in the repository syncs this workload, so Git would keep re-applying ${required.length > 1 ? 'them' : 'it'}`,
      );
    return {
      files: [],
      notes: rules.map(
        (r) => `${r.object.kind} ${r.object.name} ${r.pointers.join(', ')}: no GitOps engine found to tell`,
      ),
    };
  }
  const { file, index: docIndex } = found.doc;
  const current = (): any => {
    const docs = index.docs(file);
    if (isProblem(docs)) throw new YamlEditError('unparsable', docs.detail);
    return docs.find((d) => d.index === docIndex)!.data;
  };
  const edits =
    found.engine === 'argocd'
      ? argoEdits(current(), rules)
      : found.engine === 'flux'
        ? fluxEdits(current(), rules)
        : helmReleaseEdits(current(), rules);
  const how =
    found.engine === 'argocd'
      ? `Argo CD Application ${found.name}: ignoreDifferences + ${RESPECT}`
      : found.engine === 'flux'
        ? `Flux Kustomization ${found.name}: spec.ignore`
        : `Flux HelmRelease ${found.name}: spec.driftDetection.ignore`;
  const notes = rules.map(
    (r) => `${how} for ${r.object.kind} ${r.object.name} ${r.pointers.join(', ')} (now owned by ${r.owner})`,
  );
  if (!edits.length) return { files: [], notes };
  index.write(file, applyEdits(index.read(file), docIndex, edits));
  return { files: [file], notes };
}

function argoEdits(app: any, rules: DriftHandOver[]): YamlEdit[] {
  const edits: YamlEdit[] = [];
  const list: any[] = Array.isArray(app?.spec?.ignoreDifferences) ? app.spec.ignoreDifferences : [];
  const added: JsonValue[] = [];
  for (const r of rules) {
    const same = (e: any) =>
      (e?.group ?? '') === group(r.object.apiVersion) &&
      e?.kind === r.object.kind &&
      e?.name === r.object.name &&
      (!e?.namespace || e.namespace === r.object.namespace);
    const i = list.findIndex(same);
    if (i >= 0) {
      const have: string[] = Array.isArray(list[i].jsonPointers) ? list[i].jsonPointers : [];
      const missing = r.pointers.filter((p) => !have.includes(p));
      if (!missing.length) continue;
      if (!Array.isArray(list[i].jsonPointers))
        edits.push({ path: ['spec', 'ignoreDifferences', i, 'jsonPointers'], value: missing });
      else
        missing.forEach((p, k) =>
          edits.push({ path: ['spec', 'ignoreDifferences', i, 'jsonPointers', have.length + k], value: p }),
        );
      continue;
    }
    added.push({
      group: group(r.object.apiVersion),
      kind: r.object.kind,
      name: r.object.name,
      ...(r.object.namespace ? { namespace: r.object.namespace } : {}),
      jsonPointers: r.pointers,
    });
  }
  if (added.length) {
    if (Array.isArray(app?.spec?.ignoreDifferences))
      added.forEach((v, k) => edits.push({ path: ['spec', 'ignoreDifferences', list.length + k], value: v }));
    else edits.push({ path: ['spec', 'ignoreDifferences'], value: added });
  }
  const options = app?.spec?.syncPolicy?.syncOptions;
  if (!Array.isArray(options)) edits.push({ path: ['spec', 'syncPolicy', 'syncOptions'], value: [RESPECT] });
  else if (!options.includes(RESPECT)) {
    const off = options.indexOf('RespectIgnoreDifferences=false');
    const path: FieldPath = ['spec', 'syncPolicy', 'syncOptions', off >= 0 ? off : options.length];
    edits.push({ path, value: RESPECT });
  }
  return edits;
}

/** Flux's ignore rule for one hand-over: JSON pointers and an anchored target selector. */
function fluxRule(r: DriftHandOver): { paths: string[]; target: Record<string, string> } {
  // Target names are regular expressions: anchor them, so `web` does not also match `web-v2`.
  return {
    paths: r.pointers,
    target: {
      ...(group(r.object.apiVersion) ? { group: group(r.object.apiVersion) } : {}),
      kind: r.object.kind,
      name: `^${r.object.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
      ...(r.object.namespace ? { namespace: r.object.namespace } : {}),
    },
  };
}

/** The rules not yet covered by an existing list of Flux ignore rules. */
function uncovered(list: any[], rules: DriftHandOver[]): JsonValue[] {
  const added: JsonValue[] = [];
  for (const r of rules) {
    const rule = fluxRule(r);
    const covered = list.some(
      (e) =>
        JSON.stringify(e?.target ?? {}) === JSON.stringify(rule.target) &&
        r.pointers.every((p) => Array.isArray(e?.paths) && e.paths.includes(p)),
    );
    if (!covered) added.push(rule);
  }
  return added;
}

function fluxEdits(k: any, rules: DriftHandOver[]): YamlEdit[] {
  const list: any[] = Array.isArray(k?.spec?.ignore) ? k.spec.ignore : [];
  const added = uncovered(list, rules);
  if (!added.length) return [];
  if (Array.isArray(k?.spec?.ignore))
    return added.map((v, i) => ({ path: ['spec', 'ignore', list.length + i], value: v }));
  return [{ path: ['spec', 'ignore'], value: added }];
}

/**
 * HelmRelease v2 `spec.driftDetection: { mode, ignore: [{ paths, target }] }`. Without a mode the
 * controller does not correct drift at all, so `enabled` is set when none is; a mode the user chose
 * (`warn`, even `disabled`) is theirs and stays.
 */
function helmReleaseEdits(hr: any, rules: DriftHandOver[]): YamlEdit[] {
  const dd = hr?.spec?.driftDetection;
  if (dd === undefined || dd === null)
    return [{ path: ['spec', 'driftDetection'], value: { mode: 'enabled', ignore: uncovered([], rules) } }];
  if (typeof dd !== 'object' || Array.isArray(dd))
    throw new YamlEditError('not-a-mapping', 'spec.driftDetection of the HelmRelease is not a mapping');
  const edits: YamlEdit[] = [];
  if (dd.mode === undefined) edits.push({ path: ['spec', 'driftDetection', 'mode'], value: 'enabled' });
  const list: any[] = Array.isArray(dd.ignore) ? dd.ignore : [];
  const added = uncovered(list, rules);
  if (added.length) {
    if (Array.isArray(dd.ignore))
      added.forEach((v, i) =>
        edits.push({ path: ['spec', 'driftDetection', 'ignore', list.length + i], value: v }),
      );
    else edits.push({ path: ['spec', 'driftDetection', 'ignore'], value: added });
  }
  return edits;
}
