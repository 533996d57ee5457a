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
        `${required.map((r) => `${r.object.kind} ${r.object.name} ${r.pointers.join(', ')}`).join('; ')} must be left to ${required[0]!.owner}, but no Argo CD Application or Flux Kustomization in the repository syncs this workload, so Git would keep re-applying ${required.length > 1 ? 'them' : 'it'}`,
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
  const edits = found.engine === 'argocd' ? argoEdits(current(), rules) : fluxEdits(current(), rules);
  const notes = rules.map(
    (r) =>
      `${found.engine === 'argocd' ? `Argo CD Application ${found.name}: ignoreDifferences + ${RESPECT}` : `Flux Kustomization ${found.name}: spec.ignore`} for ${r.object.kind} ${r.object.name} ${r.pointers.join(', ')} (now owned by ${r.owner})`,
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

function fluxEdits(k: any, rules: DriftHandOver[]): YamlEdit[] {
  const list: any[] = Array.isArray(k?.spec?.ignore) ? k.spec.ignore : [];
  const added: JsonValue[] = [];
  for (const r of rules) {
    // Target names are regular expressions: anchor them, so `web` does not also match `web-v2`.
    const target = {
      ...(group(r.object.apiVersion) ? { group: group(r.object.apiVersion) } : {}),
      kind: r.object.kind,
      name: `^${r.object.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
      ...(r.object.namespace ? { namespace: r.object.namespace } : {}),
    };
    const covered = list.some(
      (e) =>
        JSON.stringify(e?.target ?? {}) === JSON.stringify(target) &&
        r.pointers.every((p) => Array.isArray(e?.paths) && e.paths.includes(p)),
    );
    if (!covered) added.push({ paths: r.pointers, target });
  }
  if (!added.length) return [];
  if (Array.isArray(k?.spec?.ignore))
    return added.map((v, i) => ({ path: ['spec', 'ignore', list.length + i], value: v }));
  return [{ path: ['spec', 'ignore'], value: added }];
}
