/**
 * Applications that are templates of an app-of-apps chart, worked out from Git: with the chart's
 * values.yaml, with the value files of the one Application in Git that renders the chart, and
 * refused (file, line, why) when the values that render it are not Git's to tell.
 */
import { tempRepo } from '../../testing/temp-repo.js';
import { RepoIndex } from './repo-index.js';
import { chartApplications, mergeValues, type RootCandidate } from './chart-applications.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const TEMPLATE = `{{- range .Values.apps }}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ .name }}
spec:
  destination:
    server: {{ $.Values.server | quote }}
  source:
    path: {{ .path | default .name | quote }}
    targetRevision: {{ $.Values.revision }}
---
{{- end }}
`;

const files = (extra: Record<string, string> = {}) => ({
  'root/Chart.yaml': 'apiVersion: v2\nname: root\nversion: 0.1.0\n',
  'root/values.yaml':
    'server: https://kubernetes.default.svc\nrevision: main\napps:\n  - name: shop\n  - name: search\n    path: teams/search\n',
  'root/templates/apps.yaml': TEMPLATE,
  ...extra,
});

const sourcesOf = (spec: any): any[] => (spec?.source ? [spec.source] : (spec?.sources ?? []));

function run(extra: Record<string, string> = {}, roots: RootCandidate[] = []) {
  return chartApplications(new RepoIndex(tempRepo(files(extra))), undefined, roots, sourcesOf);
}

const rootApp = (name: string, helm: Record<string, unknown>): RootCandidate => ({
  name,
  spec: { source: { path: 'root', helm }, destination: { namespace: 'argocd' } },
  origin: `argocd/${name}.yaml`,
});

describe('render/locate: Applications of an app-of-apps chart in Git', () => {
  it("evaluates the chart's templates with its values.yaml", () => {
    const r = run();
    expect(r.refused).toEqual([]);
    expect([...r.apps.keys()]).toEqual(['shop', 'search']);
    expect(r.apps.get('search')![0]).toEqual({
      name: 'search',
      spec: {
        destination: { server: 'https://kubernetes.default.svc' },
        source: { path: 'teams/search', targetRevision: 'main' },
      },
      origin: 'root/templates/apps.yaml (a template of the chart root, with root/values.yaml)',
    });
  });

  it('with the value files of the one Application that renders the chart, in order, the last winning', () => {
    const r = run(
      {
        'root/values-prod.yaml': 'revision: v1.4.0\napps:\n  - name: shop-prod\n',
        'root/values-pin.yaml': 'revision: v1.4.1\n',
      },
      [rootApp('root-prod', { valueFiles: ['values-prod.yaml', 'values-pin.yaml'] })],
    );
    expect(r.refused).toEqual([]);
    expect([...r.apps.keys()]).toEqual(['shop-prod']);
    expect(r.apps.get('shop-prod')![0]!.spec.source).toEqual({ path: 'shop-prod', targetRevision: 'v1.4.1' });
    expect(r.apps.get('shop-prod')![0]!.origin).toMatch(
      /with root\/values\.yaml, root\/values-prod\.yaml, root\/values-pin\.yaml\)$/,
    );
  });

  it('refuses, naming the file, when the values are not Git’s to tell: two renderers, inline values, a missing value file', () => {
    const two = run({}, [rootApp('root-prod', {}), rootApp('root-staging', {})]);
    expect(two.apps.size).toBe(0);
    expect(two.refused).toEqual([
      {
        file: 'root/templates/apps.yaml',
        detail:
          "the chart is rendered by 2 Applications (argocd/root-prod.yaml, argocd/root-staging.yaml): which one's values make this cluster's Applications is not in Git",
      },
    ]);
    expect(
      run({}, [rootApp('root', { parameters: [{ name: 'revision', value: 'x' }] })]).refused[0]!.detail,
    ).toMatch(/argocd\/root\.yaml renders the chart with inline values/);
    expect(run({}, [rootApp('root', { valueFiles: ['values-gone.yaml'] })]).refused[0]!.detail).toBe(
      'argocd/root.yaml reads root/values-gone.yaml, which is not in the repository',
    );
  });

  it('refuses a template whose values lack what it reads, with the line Helm would fail on', () => {
    const r = run({ 'root/values.yaml': 'apps:\n  - name: shop\n' });
    // `.Values.server` is simply empty; `.Values.missing.x` would fail in helm too.
    expect(r.refused).toEqual([]);
    const broken = run({
      'root/templates/apps.yaml': TEMPLATE.replace('{{ $.Values.revision }}', '{{ $.Values.git.revision }}'),
    });
    expect(broken.refused).toEqual([
      {
        file: 'root/templates/apps.yaml',
        line: 11,
        detail:
          'nil pointer evaluating interface {}.revision ($.Values.git.revision: $.Values.git is not set in the values)',
      },
    ]);
  });

  it('merges values files as Helm does: maps deep, anything else replaced, null removing a key', () => {
    expect(
      mergeValues({ a: { b: 1, c: [1, 2] }, d: 'x', e: 1 }, { a: { c: [3], f: true }, d: null, e: { g: 1 } }),
    ).toEqual({ a: { b: 1, c: [3], f: true }, e: { g: 1 } });
  });
});
