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
  return {
    gitValue(path) {
      try {
        return dataAt(mergedValues(index, loc), map(path));
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

/** How an HPA field maps to a chart's `autoscaling` values (helm create's layout). */
export interface ChartAutoscaling {
  prefix: string[];
  keys: Set<string>;
  /** `.Values.checkout.autoscaling`, for messages. */
  where: string;
}

/** The values key that carries one HPA metric's utilization target, or why none does. */
export function utilizationKey(
  auto: ChartAutoscaling,
  metric: { type: string; resource?: string; targetType?: string },
): { key: string } | { error: string } {
  const resource =
    metric.type === 'Resource' && metric.targetType === 'Utilization' ? metric.resource : undefined;
  const key =
    resource === 'cpu'
      ? 'targetCPUUtilizationPercentage'
      : resource === 'memory'
        ? 'targetMemoryUtilizationPercentage'
        : undefined;
  if (!key)
    return {
      error: `the chart's ${auto.where} values only carry pod CPU and memory utilization targets; a ${metric.type}${metric.resource ? ` ${metric.resource}` : ''} ${metric.targetType ?? ''} target cannot be set through them`,
    };
  if (!auto.keys.has(key))
    return {
      error: `the chart's templates do not read ${auto.where}.${key}, so the ${resource} target cannot be carried (minReplicas/maxReplicas alone would change what the HPA does)`,
    };
  return { key };
}

/**
 * An HPA the chart renders from its `autoscaling` values: min/max and the utilization targets are
 * edited in the cluster's values file under the keys the templates read; any other HPA field has no
 * values key and is refused, naming it.
 */
export function helmHpaTarget(
  index: RepoIndex,
  loc: { chartDir: string; valueFiles: string[]; editFile: string },
  auto: ChartAutoscaling,
  live: { metrics: { type: string; resource?: string; targetType?: string }[] },
): Target {
  const map = (path: FieldPath): FieldPath => {
    const text = path.map((s) => (typeof s === 'object' ? s.name : String(s))).join('.');
    let key: string | undefined;
    if (path.length === 2 && (path[1] === 'minReplicas' || path[1] === 'maxReplicas')) key = path[1];
    else if (
      path.length === 6 &&
      path[1] === 'metrics' &&
      typeof path[2] === 'number' &&
      text.endsWith('.resource.target.averageUtilization')
    ) {
      const metric = live.metrics[path[2]];
      if (!metric) throw new YamlEditError('not-a-mapping', `${text}: the live HPA has no metric ${path[2]}`);
      const found = utilizationKey(auto, metric);
      if ('error' in found) throw new YamlEditError('not-a-mapping', `${text}: ${found.error}`);
      key = found.key;
    }
    if (!key)
      throw new YamlEditError(
        'not-a-mapping',
        `${text} has no values key in the chart's ${auto.where}; only minReplicas, maxReplicas and utilization targets can be tuned through Helm values`,
      );
    if (!auto.keys.has(key))
      throw new YamlEditError('not-a-mapping', `the chart's templates do not read ${auto.where}.${key}`);
    return [...auto.prefix, 'autoscaling', key];
  };
  return {
    gitValue(path) {
      return dataAt(mergedValues(index, loc), map(path));
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

/** The chart's defaults with the release's value files merged over them, as Helm sees them. */
function mergedValues(index: RepoIndex, loc: { chartDir: string; valueFiles: string[] }): unknown {
  let v = chartValues(index, loc.chartDir);
  for (const f of loc.valueFiles) if (index.exists(f)) v = strategicMerge(v, parse(index.read(f)) ?? {});
  return v;
}
