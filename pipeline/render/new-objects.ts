/**
 * New objects (an HPA, a ScaledObject, a CronHPA…) go where only this cluster sees them; a Helm
 * release gets the chart's own autoscaling values instead of a file.
 */
import { stringify } from 'yaml';
import { posix } from 'node:path';
import type { FieldPath, JsonValue } from '../analyze/types.js';
import type { WorkloadModel } from '../model/types.js';
import { YamlEditError } from './edit/errors.js';
import type { YamlEdit } from './edit/yaml-editor.js';
import { appendToTopLevelList } from './edit/list-append.js';
import { normalize, type RepoIndex } from './locate/repo-index.js';
import type { Location } from './locate/locate.js';
import { kustomizationIn } from './locate/kustomize.js';
import { autoscalingValuesFor } from './locate/helm.js';
import { utilizationKey, writeValues } from './targets/helm-values.js';

export interface Placed {
  files: string[];
  /** What the PR body must say about parts of the object that could not be carried. */
  notes: string[];
}

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
): Placed {
  if (loc.flavour === 'helm-values') return helmAutoscaling(index, loc, kind, manifest, w);
  if (loc.flavour === 'flux-helm')
    throw new YamlEditError(
      'not-a-mapping',
      `a ${kind} cannot be added through the Flux HelmRelease ${loc.via}: only container resources are set through its values`,
    );
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
  return { files, notes: [] };
}

/**
 * A Helm release gets no new files: an HPA becomes the chart's own autoscaling values when its
 * templates read them (helm create's `autoscaling.{enabled,minReplicas,maxReplicas,
 * targetCPUUtilizationPercentage,targetMemoryUtilizationPercentage}`). A target the chart cannot
 * carry refuses the whole HPA (min/max without it would scale on the chart's default target);
 * `behavior` goes to `autoscaling.behavior` when the templates read it, and otherwise is named in
 * the notes as not carried.
 */
function helmAutoscaling(
  index: RepoIndex,
  loc: Extract<Location, { flavour: 'helm-values' }>,
  kind: string,
  manifest: unknown,
  w: WorkloadModel,
): Placed {
  if (kind !== 'HorizontalPodAutoscaler')
    throw new YamlEditError('not-a-mapping', `a ${kind} cannot be added to a Helm release from its values`);
  const main = w.template.containers[0]?.name ?? '';
  if (!loc.chartDir)
    throw new YamlEditError(
      'not-a-mapping',
      `the chart ${loc.remoteChart ?? ''} is not in the repository: whether it reads autoscaling values cannot be told from its templates`,
    );
  const found = autoscalingValuesFor(index, loc.chartDir, w.kind, w.name, main, loc.config);
  if ('error' in found) throw new YamlEditError('not-a-mapping', found.error);
  const spec = (
    manifest as {
      spec: {
        minReplicas: number;
        maxReplicas: number;
        metrics?: HpaMetric[];
        behavior?: JsonValue;
      };
    }
  ).spec;
  const at = (key: string): FieldPath => [...found.prefix, 'autoscaling', key];
  const edits: YamlEdit[] = [
    { path: at('minReplicas'), value: spec.minReplicas },
    { path: at('maxReplicas'), value: spec.maxReplicas },
  ];
  if (found.keys.has('enabled')) edits.unshift({ path: at('enabled'), value: true });
  for (const m of spec.metrics ?? []) {
    const metric = {
      type: m.type,
      resource: m.resource?.name ?? m.containerResource?.name,
      targetType: (m.resource ?? m.containerResource)?.target?.type,
    };
    const key = utilizationKey(found, metric);
    if ('error' in key) throw new YamlEditError('not-a-mapping', key.error);
    edits.push({
      path: at(key.key),
      value: (m.resource ?? m.containerResource)!.target!.averageUtilization!,
    });
  }
  const notes: string[] = [];
  if (spec.behavior !== undefined) {
    if (found.keys.has('behavior')) edits.push({ path: at('behavior'), value: spec.behavior });
    else
      notes.push(
        `Helm values: the chart's templates read no ${found.where}.behavior, so the proposed scale-up/scale-down behavior is not carried; the HPA the chart renders uses Kubernetes' default behavior`,
      );
  }
  return { files: writeValues(index, loc, edits), notes };
}

interface HpaMetric {
  type: string;
  resource?: { name: string; target?: { type?: string; averageUtilization?: number } };
  containerResource?: { name: string; target?: { type?: string; averageUtilization?: number } };
}
