/**
 * The template forms Tidemark evaluates without helm, rendered both ways: by the real helm v4
 * (`helm template`) and by chart-applications' scope + go-template, over one chart whose values
 * hold what trips a hand-written evaluator (YAML 1.1 booleans, float64 numbers, empty values,
 * lists under toYaml). Every template renders to the same objects; the scalars are compared as
 * the strings Go printed.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { tempRepo } from '../../../testing/temp-repo.js';
import { helmBin } from '../../../testing/helm/index.js';
import { describeWithTier } from '../../../testing/tier-gate.js';
import { RepoIndex } from '../repo-index.js';
import { chartTemplateScope } from '../chart-applications.js';
import { evaluateTemplate } from './evaluate.js';

const values = `ns: ""
big: 1000000
small: 0.00001
half: 0.5
port: 8080
enabled: yes
name: my-app
list: [a, b, c]
spec:
  destination:
    server: https://kubernetes.default.svc
config:
  spec:
    destination: { server: https://kubernetes.default.svc }
    source: { repoURL: https://github.com/example/apps }
applications:
  - name: guestbook
  - name: helm-guestbook
    namespace: hg
    tool:
      helm:
        releaseName: hg
        valueFiles: [values-production.yaml]
        parameters: [{ name: replicas, value: "2" }]
  - name: synced
    path: apps/synced
    sync: { prune: true }
envs: { prod: "on", dev: "", staging: yes }
`;

const scalars = `apiVersion: v1
kind: ConfigMap
metadata:
  name: scalars
data:
  server: {{ .Values.spec.destination.server | quote }}
  ns: {{ .Values.ns | default "fallback" | quote }}
  empty: "{{ .Values.missing }}"
  big: "{{ .Values.big }}"
  small: "{{ .Values.small }}"
  half: "{{ .Values.half }}"
  int: "{{ .Values.port }}"
  yes: "{{ .Values.enabled }}"
  pf: {{ printf "%s-%v-%q" .Values.name .Values.port .Values.name | quote }}
  pfnum: {{ printf "%s" .Values.port | quote }}
  pr: {{ print .Values.name .Values.port 1 2 | quote }}
  sq: {{ .Values.name | squote }}
  up: {{ .Values.name | upper | quote }}
  tr: {{ "  x  " | trim | quote }}
  rep: {{ .Values.name | replace "-" "_" | quote }}
  tp: {{ .Values.name | trimPrefix "my-" | trimSuffix "-app" | quote }}
  len: "{{ len .Values.list }}"
  idx: {{ index .Values.list 1 | quote }}
  map: "{{ .Values.spec.destination }}"
  list: "{{ .Values.list }}"
  has: "{{ hasKey .Values.spec "destination" }}"
  tern: {{ ternary "a" "b" .Values.enabled | quote }}
  and: "{{ and .Values.name .Values.port }}"
  or: "{{ or .Values.missing .Values.name }}"
  not: "{{ not .Values.enabled }}"
  emptyq: "{{ empty .Values.ns }}"
  chart: {{ .Chart.Name | quote }}
  json: {{ toJson .Values.spec | quote }}
  release: {{ .Release.Name | quote }}
`;

const applications = `{{- range $i, $app := .Values.applications }}
{{- $config := $.Values.config -}}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ printf "%s-%s" $.Chart.Name $app.name | quote }}
  annotations:
    index: "{{ $i }}"
spec:
  destination:
    namespace: {{ $app.namespace | default $app.name | quote }}
    server: {{ $config.spec.destination.server | quote }}
  source:
    path: {{ $app.path | default $app.name | quote }}
    repoURL: {{ $config.spec.source.repoURL }}
    {{- with $app.tool }}
    {{- . | toYaml | nindent 4 }}
    {{- end }}
  {{- if $app.sync }}
  syncPolicy:
    automated:
      prune: {{ $app.sync.prune }}
  {{- else if eq $app.name "guestbook" }}
  syncPolicy: {}
  {{- else }}
  syncPolicy: null
  {{- end }}
---
{{ end -}}
`;

const maps = `apiVersion: v1
kind: ConfigMap
metadata:
  name: maps
data:
{{- range $k, $v := .Values.envs }}
  {{ $k }}: {{ $v | quote }}
{{- end }}
  none: "{{ range .Values.none }}x{{ else }}empty{{ end }}"
`;

const TEMPLATES = { 'scalars.yaml': scalars, 'applications.yaml': applications, 'maps.yaml': maps };

const objects = (text: string): unknown[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((d) => d !== null && d !== undefined);

describeWithTier('helm')('go-template: the same objects as helm v4', () => {
  it('renders every supported form as helm template does', () => {
    const root = tempRepo({
      'apps/Chart.yaml': 'apiVersion: v2\nname: apps\nversion: 0.1.0\n',
      'apps/values.yaml': values,
      ...Object.fromEntries(Object.entries(TEMPLATES).map(([f, t]) => [`apps/templates/${f}`, t])),
      // The Application that renders the chart: its release name is .Release.Name.
      'root.yaml':
        'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: root, namespace: argocd }\nspec:\n  source: { path: apps, helm: { releaseName: parity } }\n  destination: { namespace: argocd }\n',
    });
    const index = new RepoIndex(root);
    const { scope } = chartTemplateScope(
      index,
      'apps',
      [
        {
          name: 'root',
          spec: {
            source: { path: 'apps', helm: { releaseName: 'parity' } },
            destination: { namespace: 'argocd' },
          },
          origin: 'root.yaml',
        },
      ],
      (s: { source?: unknown }) => (s.source ? [s.source] : []),
    );
    for (const [file, text] of Object.entries(TEMPLATES)) {
      const byHelm = execFileSync(
        join(helmBin(), 'helm'),
        [
          'template',
          'parity',
          join(root, 'apps'),
          '--namespace',
          'argocd',
          '--show-only',
          `templates/${file}`,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, HELM_CACHE_HOME: join(root, '.hc'), HELM_CONFIG_HOME: join(root, '.hf') },
        },
      );
      const ours = evaluateTemplate(text, scope);
      expect({ file, objects: objects(ours) }).toEqual({ file, objects: objects(byHelm) });
    }
    // The scalars as Go printed them (not only as YAML reads them back).
    const data = (objects(evaluateTemplate(scalars, scope))[0] as { data: Record<string, string> }).data;
    expect(data).toMatchObject({
      big: '1e+06',
      small: '1e-05',
      yes: 'true',
      pr: 'my-app8080 1 2',
      pfnum: '%!s(float64=8080)',
      map: 'map[server:https://kubernetes.default.svc]',
      list: '[a b c]',
      release: 'parity',
    });
  });
});
