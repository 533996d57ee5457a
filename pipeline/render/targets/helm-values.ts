/**
 * A workload rendered by a Helm chart: the chart's templates tell which values path feeds the
 * container's resources, and the cluster's values file is edited (never the templates, never the
 * chart's shared values.yaml).
 */
import { parse, stringify } from 'yaml';
import type { FieldPath, JsonValue } from '../../analyze/types.js';
import type { HelmReleaseConfig } from '../../config/types.js';
import type { ContainerModel } from '../../model/types.js';
import { applyEdits } from '../edit/yaml-editor.js';
import { documentData, parseDocuments } from '../edit/parse-cache.js';
import { YamlEditError } from '../edit/errors.js';
import { strategicMerge } from '../locate/kustomize.js';
import { chartValues, resourcesPathFor } from '../locate/helm.js';
import type { RepoIndex } from '../locate/repo-index.js';
import type { HelmValuesSource } from '../locate/locate.js';
import { sameValue } from '../values.js';
import { dataAt, type FieldEdit, type Target } from './target.js';

const CONTAINER_RESOURCES = /^spec\.template\.spec\.(containers|initContainers)$/;

/** The workload as the values mapping needs it: kind, name, and the live containers' resources. */
export interface HelmWorkload {
  kind: string;
  name: string;
  containers?: Pick<ContainerModel, 'name' | 'rawRequests' | 'rawLimits'>[];
}

/**
 * The values path (ending in `resources`) of one container. In a chart in the repository the
 * templates tell; for a chart from a registry the config (`repo.helm[].workloads[].resourcesPath`)
 * or the common conventions (`resources`, `<container>.resources`, `<workload>.resources`), and then
 * only when Git already holds exactly the live container's resources there: that proves the path.
 */
export function containerValuesPath(
  index: RepoIndex,
  src: { chartDir?: string; remoteChart?: string; config?: HelmReleaseConfig },
  w: HelmWorkload,
  container: string,
  merged: () => unknown,
): string[] {
  if (src.chartDir) {
    const found = resourcesPathFor(index, src.chartDir, w.kind, w.name, container, src.config);
    if ('error' in found)
      throw found.literal
        ? new YamlEditError('not-a-mapping', found.error)
        : new YamlEditError('list-item-missing', found.error, container);
    return found.path;
  }
  const configured = src.config?.workloads?.find(
    (x) => x.kind === w.kind && x.name === w.name && x.container === container,
  );
  const key = `repo.helm[].workloads[] { kind: ${w.kind}, name: ${w.name}, container: ${container}, resourcesPath: … }`;
  const live = w.containers?.find((c) => c.name === container);
  const holdsLive = (path: string[]): boolean => {
    const at = dataAt(merged(), path);
    const git = 'value' in at ? (at.value as Record<string, Record<string, unknown>> | undefined) : undefined;
    if (!git || typeof git !== 'object' || !live) return false;
    const pairs: [unknown, unknown][] = [
      [git.requests?.cpu, live.rawRequests.cpu],
      [git.requests?.memory, live.rawRequests.memory],
      [git.limits?.cpu, live.rawLimits.cpu],
      [git.limits?.memory, live.rawLimits.memory],
    ];
    return pairs.some(([g]) => g !== undefined) && pairs.every(([g, l]) => sameValue(g, l));
  };
  if (configured) {
    const path = configured.resourcesPath.split('.');
    if (!holdsLive(path))
      throw new YamlEditError(
        'not-a-mapping',
        `the chart ${src.remoteChart ?? ''} is not in the repository, and Git does not hold container ${container}'s live resources at the configured ${configured.resourcesPath} (the chart's own default applies, which Tidemark cannot read); set them there first, or correct ${key}`,
      );
    return path;
  }
  const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const candidates = [
    ['resources'],
    [container, 'resources'],
    [camel(container), 'resources'],
    [w.name, 'resources'],
    [camel(w.name), 'resources'],
  ].filter((p, i, all) => all.findIndex((q) => q.join('.') === p.join('.')) === i);
  const proven = candidates.filter(holdsLive);
  if (proven.length === 1) return proven[0]!;
  throw new YamlEditError(
    'not-a-mapping',
    `the chart ${src.remoteChart ?? ''} is not in the repository, so its templates cannot say which values set container ${container}'s resources, and ${proven.length ? `several conventional keys hold them (${proven.map((p) => p.join('.')).join(', ')})` : `no conventional key (${candidates.map((p) => p.join('.')).join(', ')}) holds exactly the live resources in Git`}; set ${key}`,
  );
}

/** Maps a workload's container-resources path to the values path below it. */
export function resourcesValuesPath(
  path: FieldPath,
  containerPath: (container: string) => string[],
): FieldPath {
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
  return [...containerPath(seg.name), ...(path.slice(containerAt + 2) as string[])];
}

/** One layer of a release's values, in Helm's order (later wins). */
interface Layer {
  file?: string;
  label: string;
  data: unknown;
  inline?: boolean;
  /** Inline values in a repository file we may edit. */
  editAt?: NonNullable<HelmValuesSource['inlineDoc']>;
}

function layersOf(index: RepoIndex, loc: HelmValuesSource): Layer[] {
  const out: Layer[] = [];
  if (loc.chartDir)
    out.push({
      file: `${loc.chartDir}/values.yaml`,
      label: `${loc.chartDir}/values.yaml`,
      data: chartValues(index, loc.chartDir),
    });
  for (const f of loc.valueFiles)
    out.push({ file: f, label: f, data: index.exists(f) ? (parse(index.read(f)) ?? {}) : {} });
  if (loc.inlineDoc) {
    const at = loc.inlineDoc;
    const docs = parseDocuments(index.read(at.file));
    const d = docs[at.docIndex];
    const got = dataAt(d ? documentData(d) : undefined, at.path as FieldPath);
    out.push({ label: at.label, data: 'value' in got ? (got.value ?? {}) : {}, editAt: at });
  }
  const inline = loc.inline;
  if (inline?.values !== undefined) {
    let data: unknown = {};
    try {
      data = parse(inline.values) ?? {};
    } catch {
      data = {};
    }
    out.push({ label: "the Application's helm.values", data, inline: true });
  }
  if (inline?.valuesObject !== undefined)
    out.push({ label: "the Application's helm.valuesObject", data: inline.valuesObject, inline: true });
  if (inline?.parameters?.length) {
    const data: Record<string, unknown> = {};
    for (const p of inline.parameters) {
      const keys = String(p.name).split('.');
      let n = data;
      keys.slice(0, -1).forEach((k) => (n = (n[k] ??= {}) as Record<string, unknown>));
      n[keys.at(-1)!] = p.value;
    }
    out.push({ label: "the Application's helm.parameters", data, inline: true });
  }
  return out;
}

/** The chart's defaults with the release's value files (and inline values) merged, as Helm sees them. */
export function mergedValues(index: RepoIndex, loc: HelmValuesSource): unknown {
  let v: unknown = {};
  for (const l of layersOf(index, loc)) v = strategicMerge(v, l.data);
  return v;
}

/**
 * Writes values edits where each value stands: in the file this release alone reads that sets it,
 * else in the release's own file (last in Helm's order); a value a shared file or the
 * Application's inline values set after it is refused. A new own file is created and referenced
 * from the Application.
 */
export function writeValues(index: RepoIndex, loc: HelmValuesSource, edits: FieldEdit[]): string[] {
  const layers = layersOf(index, loc);
  const byFile = new Map<string, FieldEdit[]>();
  const inlineEdits: FieldEdit[] = [];
  for (const e of edits) {
    let setter: Layer | undefined;
    for (const l of layers) {
      const at = dataAt(l.data, e.path);
      if ('value' in at && at.value !== undefined) setter = l;
    }
    const dotted = e.path.join('.');
    if (setter?.inline)
      throw new YamlEditError(
        'not-a-mapping',
        `${dotted} is set by ${setter.label}, which overrides every values file; Tidemark edits values files only`,
      );
    let file: string;
    if (setter?.editAt || (!setter?.file && !loc.editFile && loc.inlineDoc)) {
      inlineEdits.push(e);
      continue;
    }
    if (setter?.file && loc.ownFiles.includes(setter.file)) file = setter.file;
    else {
      if (loc.inlineDoc) {
        // A shared or chart default value: the kustomization's own inline values win over it.
        inlineEdits.push(e);
        continue;
      }
      if (!loc.editFile)
        throw new YamlEditError(
          'not-a-mapping',
          `the chart ${loc.remoteChart ?? loc.chartDir ?? ''} is rendered with no values file in this repository to write ${dotted} into`,
        );
      const order = loc.valueFiles.indexOf(loc.editFile);
      const setterAt = setter?.file ? loc.valueFiles.indexOf(setter.file) : -1;
      if (setterAt > order)
        throw new YamlEditError(
          'not-a-mapping',
          `${dotted} is set by ${setter!.file}, which other releases also read and which comes after ${loc.editFile}; a value there would not win`,
        );
      file = loc.editFile;
    }
    byFile.set(file, [...(byFile.get(file) ?? []), e]);
  }
  const files: string[] = [];
  if (inlineEdits.length) {
    const at = loc.inlineDoc!;
    const base = at.path as FieldPath;
    const current = layers.find((l) => l.editAt)!.data;
    const exists = dataAt(
      parseDocuments(index.read(at.file))[at.docIndex]
        ? documentData(parseDocuments(index.read(at.file))[at.docIndex]!)
        : undefined,
      base,
    );
    const edits2 =
      'value' in exists && exists.value && typeof exists.value === 'object'
        ? inlineEdits.map((e) => ({ path: [...base, ...e.path], value: e.value }))
        : [{ path: base, value: nest(current, inlineEdits) }];
    index.write(at.file, applyEdits(index.read(at.file), at.docIndex, edits2));
    files.push(at.file);
  }
  for (const [file, list] of byFile) {
    if (!index.exists(file)) {
      if (loc.newFile?.file !== file)
        throw new YamlEditError('not-a-mapping', `the values file ${file} does not exist`);
      index.write(file, newValuesFile(loc, list));
      files.push(...referenceValuesFile(index, loc));
    } else index.write(file, applyEdits(index.read(file), 0, list));
    files.push(file);
  }
  return files;
}

/** `base` with the edits set, as one value (for a mapping that does not exist yet). */
function nest(base: unknown, edits: FieldEdit[]): JsonValue {
  const data = structuredClone((base ?? {}) as Record<string, unknown>);
  for (const e of edits) {
    let n = data;
    const keys = e.path as string[];
    keys.slice(0, -1).forEach((k) => (n = (n[k] ??= {}) as Record<string, unknown>));
    n[keys.at(-1)!] = e.value as JsonValue;
  }
  return data as JsonValue;
}

function newValuesFile(loc: HelmValuesSource, edits: FieldEdit[]): string {
  const data: Record<string, unknown> = {};
  for (const e of edits) {
    let n = data;
    const keys = e.path as string[];
    keys.slice(0, -1).forEach((k) => (n = (n[k] ??= {}) as Record<string, unknown>));
    n[keys.at(-1)!] = e.value as JsonValue;
  }
  const shared = loc.sharedWith?.length ? ` The chart is shared with ${loc.sharedWith.join(', ')}.` : '';
  return `# Values of this cluster's own release of ${loc.chartDir ?? loc.remoteChart ?? 'the chart'}, written by Tidemark.${shared}
# Edit freely; Tidemark updates only the fields it owns.
${stringify(data, { lineWidth: 0 })}`;
}

/** Adds the new values file to the Application's helm.valueFiles (last, so it wins). */
function referenceValuesFile(index: RepoIndex, loc: HelmValuesSource): string[] {
  const { app, entry } = loc.newFile!;
  const base: FieldPath =
    app.sourceIndex === undefined ? ['spec', 'source', 'helm'] : ['spec', 'sources', app.sourceIndex, 'helm'];
  const current = dataAt(app.doc.data, [...base, 'valueFiles']);
  const list = 'value' in current && Array.isArray(current.value) ? (current.value as string[]) : undefined;
  if (list?.includes(entry)) return [];
  const edit = list
    ? { path: [...base, 'valueFiles', list.length], value: entry }
    : { path: [...base, 'valueFiles'], value: [entry] };
  index.write(app.doc.file, applyEdits(index.read(app.doc.file), app.doc.index, [edit]));
  return [app.doc.file];
}

/**
 * A workload rendered by a Helm chart (in the repository or from a registry): its container
 * resources map to values keys, read from the values Helm merges and written by writeValues.
 */
export function helmValuesTarget(index: RepoIndex, loc: HelmValuesSource, w: HelmWorkload): Target {
  const merged = () => mergedValues(index, loc);
  const map = (path: FieldPath): FieldPath =>
    resourcesValuesPath(path, (c) => containerValuesPath(index, loc, w, c, merged));
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
      return writeValues(
        index,
        loc,
        edits.map((e) => ({ path: map(e.path), value: e.value })),
      );
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
  loc: HelmValuesSource,
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
      return writeValues(
        index,
        loc,
        edits.map((e) => ({ path: map(e.path), value: e.value })),
      );
    },
  };
}
