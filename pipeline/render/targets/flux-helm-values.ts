/**
 * A workload a Flux HelmRelease deploys. Its values are, in Flux's order, the chart's defaults, the
 * `valuesFrom` ConfigMaps and Secrets, then `spec.values` (the base's, merged with the overlay's
 * patches). A value `spec.values` sets is edited through the HelmRelease document like any
 * kustomize field (in place when only this cluster builds the file, else in this cluster's own
 * values patch, created in its overlay when there is none); a value a ConfigMap in Git sets is
 * edited under that ConfigMap's values key; a Secret is never read or edited, so a value that may
 * come from one is refused with the reason.
 */
import { parse } from 'yaml';
import { posix } from 'node:path';
import type { FieldPath } from '../../analyze/types.js';
import { applyEdits } from '../edit/yaml-editor.js';
import { editBlockScalar } from '../edit/json-in-block.js';
import { sameData } from '../edit/verify.js';
import { YamlEditError } from '../edit/errors.js';
import { effectiveData, resolveKustomization, strategicMerge } from '../locate/kustomize.js';
import { chartValues } from '../locate/helm.js';
import { isProblem, type DocRef, type RepoIndex } from '../locate/repo-index.js';
import type { Location } from '../locate/locate.js';
import { dataAt, type FieldEdit, type Target } from './target.js';
import { containerValuesPath, resourcesValuesPath, type HelmWorkload } from './helm-values.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

type FluxHelm = Extract<Location, { flavour: 'flux-helm' }>;

interface ValuesFrom {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  key: string;
  /** The ConfigMap in Git (Secrets are never looked up). */
  doc?: DocRef;
  data: unknown;
}

export function fluxHelmTarget(
  index: RepoIndex,
  loc: FluxHelm,
  w: HelmWorkload,
  /** The HelmRelease document's own target (kustomize or plain), for spec.values edits. */
  release: Target,
  /** Who else builds a file's folder; empty when only this cluster does. */
  sharedBy: (file: string) => string[],
): Target {
  const spec = (): any => {
    const r = loc.release;
    if (r.flavour === 'kustomize') return effectiveData(r.resource)?.spec ?? {};
    const docs = index.docs(r.file);
    return (isProblem(docs) ? undefined : docs.find((d) => d.index === r.docIndex)?.data)?.spec ?? {};
  };
  const namespace = (): string | undefined =>
    loc.release.flavour === 'kustomize' ? loc.release.resource.namespace : undefined;
  const sources = (): ValuesFrom[] =>
    (spec().valuesFrom ?? []).map((v: any) => {
      const kind = v?.kind === 'Secret' ? 'Secret' : 'ConfigMap';
      const key = typeof v?.valuesKey === 'string' ? v.valuesKey : 'values.yaml';
      if (kind === 'Secret' || v?.targetPath) return { kind, name: String(v?.name), key, data: {} };
      const doc = configMapIn(index, loc, String(v?.name), namespace());
      let data: unknown = {};
      const text = doc?.data?.data?.[key];
      if (typeof text === 'string')
        try {
          data = parse(text) ?? {};
        } catch {
          data = {};
        }
      return { kind, name: String(v?.name), key, ...(doc ? { doc } : {}), data };
    });
  const merged = (): unknown => {
    let v: unknown = loc.chartDir ? chartValues(index, loc.chartDir) : {};
    for (const s of sources()) v = strategicMerge(v, s.data);
    return strategicMerge(v, spec().values ?? {});
  };
  const map = (path: FieldPath): FieldPath =>
    resourcesValuesPath(path, (c) => containerValuesPath(index, loc, w, c, merged));
  const inSpecValues = (p: FieldPath): boolean => {
    const at = dataAt(spec().values ?? {}, p);
    return 'value' in at && at.value !== undefined;
  };
  const secretMaySet = (p: FieldPath): string | undefined =>
    inSpecValues(p) ? undefined : sources().find((s) => s.kind === 'Secret')?.name;
  return {
    gitValue(path) {
      let p: FieldPath;
      try {
        p = map(path);
      } catch (err) {
        if (err instanceof YamlEditError && err.missing) return { missing: err.missing };
        // Values Git does not show may be in a Secret: that is the reason to give.
        const secret = sources().find((s) => s.kind === 'Secret');
        if (err instanceof YamlEditError && secret)
          throw new YamlEditError(
            'not-a-mapping',
            `container resources may come from the Secret ${secret.name} in the HelmRelease's valuesFrom; Tidemark never reads or edits Secrets (set them in spec.values instead)`,
          );
        throw err;
      }
      const secret = secretMaySet(p);
      if (secret)
        throw new YamlEditError(
          'not-a-mapping',
          `${p.join('.')} may come from the Secret ${secret} in the HelmRelease's valuesFrom; Tidemark never reads or edits Secrets (set it in spec.values instead)`,
        );
      return dataAt(merged(), p);
    },
    apply(edits: FieldEdit[]) {
      const files: string[] = [];
      const viaRelease: FieldEdit[] = [];
      const byConfigMap = new Map<ValuesFrom, FieldEdit[]>();
      for (const e of edits) {
        const p = map(e.path);
        const secret = secretMaySet(p);
        if (secret)
          throw new YamlEditError(
            'not-a-mapping',
            `${p.join('.')} may come from the Secret ${secret} in the HelmRelease's valuesFrom; Tidemark never reads or edits Secrets`,
          );
        const cm = inSpecValues(p)
          ? undefined
          : [...sources()].reverse().find((s) => {
              const at = dataAt(s.data, p);
              return s.kind === 'ConfigMap' && 'value' in at && at.value !== undefined;
            });
        // A ConfigMap only this cluster builds is edited at its values key; a shared one is
        // overridden by spec.values in this cluster's own patch.
        if (cm?.doc && !sharedBy(cm.doc.file).length)
          byConfigMap.set(cm, [...(byConfigMap.get(cm) ?? []), { path: p, value: e.value }]);
        else viaRelease.push({ path: ['spec', 'values', ...p], value: e.value });
      }
      for (const [cm, list] of byConfigMap) {
        const doc = cm.doc!;
        index.write(
          doc.file,
          editBlockScalar(index.read(doc.file), doc.index, ['data', cm.key], 'YAML values', (old) => {
            const updated = applyEdits(old, 0, list);
            let expected = parse(old) ?? {};
            for (const e of list) expected = setPath(expected, e.path as string[], e.value);
            return { updated, confirm: (value) => sameData(parse(value), expected) };
          }),
        );
        files.push(doc.file);
      }
      if (viaRelease.length) files.push(...release.apply(viaRelease));
      return files;
    },
  };
}

function setPath(data: any, path: string[], value: unknown): any {
  const out = structuredClone(data ?? {});
  let n = out;
  path.slice(0, -1).forEach((k) => (n = n[k] ??= {}));
  if (value === undefined) delete n[path.at(-1)!];
  else n[path.at(-1)!] = value;
  return out;
}

/** The ConfigMap a valuesFrom names, among what builds the HelmRelease (its kustomization), else beside it. */
function configMapIn(index: RepoIndex, loc: FluxHelm, name: string, namespace?: string): DocRef | undefined {
  const r = loc.release;
  if (r.flavour === 'kustomize') {
    const found = resolveKustomization(index, r.overlay).filter(
      (x) =>
        x.kind === 'ConfigMap' &&
        x.name === name &&
        (!namespace || !x.namespace || x.namespace === namespace),
    );
    // A ConfigMap a kustomization patches is not edited at its values key (the patch may win).
    if (found.length === 1 && !found[0]!.patches.length) return found[0]!.doc;
    return undefined;
  }
  for (const f of index.yamlFiles(posix.dirname(r.file), false)) {
    const docs = index.docs(f);
    if (isProblem(docs)) continue;
    const d = docs.find((x) => x.kind === 'ConfigMap' && x.name === name);
    if (d) return d;
  }
  return undefined;
}
