/**
 * App-of-apps from Git: Argo CD Applications that exist only as templates of a chart in the
 * repository (argocd-example-apps/apps: `templates/*.yaml` ranging over `.Values.applications`).
 * With nothing live to read, they are worked out without helm: the chart's values.yaml (and the
 * value files of the one Application in Git that renders the chart, if any) evaluated through the
 * forms such charts use (go-template/). A template using anything else is refused with the file,
 * the line and why, and its Applications are not guessed.
 */
import { posix } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { RepoIndex } from './repo-index.js';
import { isProblem, normalize } from './repo-index.js';
import { evaluateTemplate, GoStruct, Unknowable } from './go-template/evaluate.js';
import { TemplateRefusal } from './go-template/refusal.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ChartApplication {
  name: string;
  spec: any;
  origin: string;
}

export interface ChartTemplateProblem {
  file: string;
  line?: number;
  detail: string;
}

/** An Application that may render an app-of-apps chart (live or a file in Git). */
export interface RootCandidate {
  name: string;
  spec: any;
  origin: string;
}

export interface ChartApplications {
  apps: Map<string, ChartApplication[]>;
  /** Templates that hold Applications but were not evaluated. */
  refused: ChartTemplateProblem[];
}

const APPLICATION_RE = /^\s*kind:\s*["']?Application["']?\s*$/m;

export function chartApplications(
  index: RepoIndex,
  dir: string | undefined,
  roots: RootCandidate[],
  sourcesOf: (spec: any) => any[],
): ChartApplications {
  const apps = new Map<string, ChartApplication[]>();
  const refused: ChartTemplateProblem[] = [];
  for (const file of index.yamlFiles(dir ?? '')) {
    const docs = index.docs(file);
    if (!isProblem(docs) || docs.reason !== 'template') continue;
    const text = index.read(file);
    if (!APPLICATION_RE.test(text) || !text.includes('argoproj.io/')) continue;
    const chart = chartOf(index, file);
    if (chart === undefined) continue;
    try {
      const scope = chartTemplateScope(index, chart, roots, sourcesOf);
      const rendered = evaluateTemplate(text, scope.scope);
      for (const d of parseAllDocuments(rendered)) {
        if (d.errors.length)
          throw new TemplateRefusal(
            0,
            `what it renders does not parse (${d.errors[0]!.message.split('\n')[0]})`,
          );
        const o = d.toJS() as any;
        if (o?.kind !== 'Application' || !String(o.apiVersion ?? '').startsWith('argoproj.io/')) continue;
        if (typeof o.metadata?.name !== 'string') continue;
        const name = o.metadata.name as string;
        apps.set(name, [
          ...(apps.get(name) ?? []),
          {
            name,
            spec: o.spec ?? {},
            origin: `${file} (a template of the chart ${chart || '.'}, with ${scope.from})`,
          },
        ]);
      }
    } catch (err) {
      if (!(err instanceof TemplateRefusal)) throw err;
      refused.push({ file, ...(err.line ? { line: err.line } : {}), detail: err.message });
    }
  }
  return { apps, refused };
}

/** The chart a template file belongs to: the nearest folder above `templates/` with a Chart.yaml. */
function chartOf(index: RepoIndex, file: string): string | undefined {
  const parts = file.split('/');
  for (let i = parts.length - 2; i >= 0; i--) {
    if (parts[i] !== 'templates') continue;
    const chart = parts.slice(0, i).join('/');
    if (index.exists(normalize(posix.join(chart, 'Chart.yaml')))) return chart;
  }
  return undefined;
}

/**
 * What a chart's templates see: its values (values.yaml, then the value files of the Application
 * that renders it), .Chart from Chart.yaml, and .Release when that Application is known.
 */
export function chartTemplateScope(
  index: RepoIndex,
  chart: string,
  roots: RootCandidate[],
  sourcesOf: (spec: any) => any[],
): { scope: Parameters<typeof evaluateTemplate>[1]; from: string } {
  const meta = readYaml(index, normalize(posix.join(chart, 'Chart.yaml')));
  const valuesFile = normalize(posix.join(chart, 'values.yaml'));
  let values: Record<string, unknown> = index.exists(valuesFile) ? asMap(readYaml(index, valuesFile)) : {};
  const from = [index.exists(valuesFile) ? valuesFile : 'no values.yaml'];
  // The Application that renders this chart decides its values and its release.
  const renderers = roots.filter((r) =>
    sourcesOf(r.spec).some((s) => typeof s?.path === 'string' && normalize(s.path) === chart),
  );
  let release: GoStruct | Unknowable = new Unknowable(
    `\`.Release\` is the release of the Application that renders ${chart || 'this chart'}, which is neither live nor in Git`,
  );
  if (renderers.length > 1)
    throw new TemplateRefusal(
      0,
      `the chart is rendered by ${renderers.length} Applications (${renderers.map((r) => r.origin).join(', ')}): which one's values make this cluster's Applications is not in Git`,
    );
  if (renderers.length === 1) {
    const root = renderers[0]!;
    const source = sourcesOf(root.spec).find(
      (s) => typeof s?.path === 'string' && normalize(s.path) === chart,
    );
    const helm = source?.helm ?? {};
    if (helm.valuesObject !== undefined || typeof helm.values === 'string' || Array.isArray(helm.parameters))
      throw new TemplateRefusal(
        0,
        `${root.origin} renders the chart with inline values (helm.valuesObject, values or parameters), which Tidemark does not merge`,
      );
    for (const vf of helm.valueFiles ?? []) {
      if (typeof vf !== 'string' || vf.startsWith('$'))
        throw new TemplateRefusal(0, `${root.origin} reads the value file ${String(vf)} from another source`);
      const f = normalize(posix.join(chart, vf));
      if (!index.exists(f))
        throw new TemplateRefusal(0, `${root.origin} reads ${f}, which is not in the repository`);
      values = mergeValues(values, asMap(readYaml(index, f)));
      from.push(f);
    }
    release = new GoStruct('chartutil.ReleaseOptions', {
      Name: typeof helm.releaseName === 'string' ? helm.releaseName : root.name,
      Namespace: root.spec?.destination?.namespace ?? 'default',
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
      Revision: 1,
    });
  }
  const chartFields: Record<string, unknown> = {};
  const names: Record<string, string> = {
    apiVersion: 'APIVersion',
    name: 'Name',
    version: 'Version',
    appVersion: 'AppVersion',
    description: 'Description',
    type: 'Type',
    kubeVersion: 'KubeVersion',
    home: 'Home',
    icon: 'Icon',
    keywords: 'Keywords',
    annotations: 'Annotations',
  };
  for (const [k, field] of Object.entries(names)) chartFields[field] = asMap(meta)[k] ?? null;
  return {
    scope: { Values: values, Chart: new GoStruct('*chart.Metadata', chartFields), Release: release },
    from: from.join(', '),
  };
}

/** As Helm reads values: YAML 1.1 (`yes` is true), as sigs.k8s.io/yaml does. */
function readYaml(index: RepoIndex, file: string): unknown {
  try {
    return parse(index.read(file), { version: '1.1' });
  } catch (err) {
    throw new TemplateRefusal(0, `${file} does not parse (${(err as Error).message.split('\n')[0]})`);
  }
}

function asMap(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Helm's coalescing of a later values file over an earlier: maps merge, anything else replaces, null removes. */
export function mergeValues(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      out[k] &&
      typeof out[k] === 'object' &&
      !Array.isArray(out[k])
    )
      out[k] = mergeValues(out[k] as Record<string, unknown>, v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}
