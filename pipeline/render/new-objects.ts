/**
 * New objects (an HPA, a ScaledObject, a CronHPA…) go where only this cluster sees them; a Helm
 * release gets the chart's own autoscaling values instead of a file.
 */
import { stringify } from 'yaml';
import { posix } from 'node:path';
import type { FieldPath } from '../analyze/types.js';
import type { WorkloadModel } from '../model/types.js';
import { YamlEditError } from './edit/errors.js';
import { applyEdits, type YamlEdit } from './edit/yaml-editor.js';
import { appendToTopLevelList } from './edit/list-append.js';
import { normalize, type RepoIndex } from './locate/repo-index.js';
import type { Location } from './locate/locate.js';
import { kustomizationIn } from './locate/kustomize.js';
import { autoscalingValuesFor } from './locate/helm.js';

/** A new object goes where only this cluster sees it, listed in that folder's kustomization. */
export function placeObject(
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
