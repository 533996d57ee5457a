/**
 * A workload rendered by a Helm chart: the chart's templates tell which values path feeds the
 * container's resources, and the cluster's values file is edited (never the templates, never the
 * chart's shared values.yaml).
 */
import { parse } from 'yaml';
import type { FieldPath } from '../../analyze/types.js';
import type { HelmReleaseConfig } from '../../config/types.js';
import { applyEdits } from '../edit/yaml-editor.js';
import { YamlEditError } from '../edit/errors.js';
import { strategicMerge } from '../locate/kustomize.js';
import { chartValues, resourcesPathFor } from '../locate/helm.js';
import type { RepoIndex } from '../locate/repo-index.js';
import { dataAt, type FieldEdit, type Target } from './target.js';

const CONTAINER_RESOURCES = /^spec\.template\.spec\.(containers|initContainers)$/;

export function helmValuesTarget(
  index: RepoIndex,
  loc: { chartDir: string; valueFiles: string[]; editFile: string; config?: HelmReleaseConfig },
  w: { kind: string; name: string },
): Target {
  const map = (path: FieldPath): FieldPath => {
    const containerAt = path.findIndex((s) => typeof s === 'object');
    const head = path.slice(0, containerAt).join('.');
    const seg = path[containerAt];
    if (
      containerAt < 0 ||
      !CONTAINER_RESOURCES.test(head) ||
      typeof seg !== 'object' ||
      path[containerAt + 1] !== 'resources'
    ) {
      throw new YamlEditError(
        'not-a-mapping',
        `only container resources can be set through Helm values (${path.map((s) => (typeof s === 'object' ? s.name : s)).join('.')})`,
      );
    }
    const found = resourcesPathFor(index, loc.chartDir, w.kind, w.name, seg.name, loc.config);
    if ('error' in found) throw new YamlEditError('list-item-missing', found.error, seg.name);
    return [...found.path, ...(path.slice(containerAt + 2) as string[])];
  };
  const merged = (): unknown => {
    let v = chartValues(index, loc.chartDir);
    for (const f of loc.valueFiles) if (index.exists(f)) v = strategicMerge(v, parse(index.read(f)) ?? {});
    return v;
  };
  return {
    gitValue(path) {
      try {
        return dataAt(merged(), map(path));
      } catch (err) {
        if (err instanceof YamlEditError && err.missing) return { missing: err.missing };
        throw err;
      }
    },
    apply(edits: FieldEdit[]) {
      if (!index.exists(loc.editFile))
        throw new YamlEditError('not-a-mapping', `the values file ${loc.editFile} does not exist`);
      const mapped = edits.map((e) => ({ path: map(e.path), value: e.value }));
      index.write(loc.editFile, applyEdits(index.read(loc.editFile), 0, mapped));
      return [loc.editFile];
    },
  };
}
