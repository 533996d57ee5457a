/**
 * The Go-template forms app-of-apps charts use, evaluated without helm: expected outputs written
 * out by hand from text/template's and Sprig's rules, and refusals that name the line.
 * helm-parity.test.ts checks the same forms against the real helm.
 */
import { evaluateTemplate, GoStruct, Unknowable, type TemplateScope } from './evaluate.js';
import { TemplateRefusal } from './refusal.js';

const scope = (values: Record<string, unknown>, release?: Record<string, unknown>): TemplateScope => ({
  Values: values,
  Chart: new GoStruct('*chart.Metadata', { Name: 'apps', Version: '0.1.0', AppVersion: '1.0' }),
  Release: release
    ? new GoStruct('chartutil.ReleaseOptions', release)
    : new Unknowable('`.Release` is not in Git'),
});

function refusal(src: string, values: Record<string, unknown> = {}): { line: number; message: string } {
  try {
    evaluateTemplate(src, scope(values));
  } catch (err) {
    if (err instanceof TemplateRefusal) return { line: err.line, message: err.message };
    throw err;
  }
  throw new Error('evaluated without a refusal');
}

describe('go-template: what app-of-apps charts use', () => {
  it('reads .Values paths, quotes them, and prints a missing one as nothing', () => {
    const src = 'server: {{ .Values.spec.destination.server | quote }}\nns: {{ .Values.spec.missing }}|\n';
    expect(
      evaluateTemplate(src, scope({ spec: { destination: { server: 'https://kubernetes.default.svc' } } })),
    ).toBe('server: "https://kubernetes.default.svc"\nns: |\n');
  });

  it('default takes the value unless it is empty (nil, "", 0, false, an empty list or map)', () => {
    const src = '{{ range .Values.apps }}{{ .namespace | default .name }},{{ end }}';
    const apps = [
      { name: 'a', namespace: 'x' },
      { name: 'b' },
      { name: 'c', namespace: '' },
      { name: 'd', namespace: false },
      { name: 'e', namespace: [] },
    ];
    expect(evaluateTemplate(src, scope({ apps }))).toBe('x,b,c,d,e,');
  });

  it('the argocd-example-apps form: range, a variable from $, printf, with, toYaml | nindent, trimming', () => {
    const src = [
      '{{- range .Values.applications }}',
      '{{- $config := $.Values.config -}}',
      'name: {{ printf "example.%s" .name | quote }}',
      'server: {{ $config.server }}',
      'source:',
      '  path: {{ .path | default .name | quote }}',
      '  {{- with .tool }}',
      '  {{- . | toYaml | nindent 2 }}',
      '  {{- end }}',
      '---',
      '{{ end -}}',
      '',
    ].join('\n');
    const out = evaluateTemplate(
      src,
      scope({
        config: { server: 'https://kubernetes.default.svc' },
        applications: [
          { name: 'guestbook' },
          { name: 'kasane', path: 'plugins/kasane', tool: { plugin: { name: 'kasane' } } },
        ],
      }),
    );
    expect(out).toBe(
      [
        'name: "example.guestbook"',
        'server: https://kubernetes.default.svc',
        'source:',
        '  path: "guestbook"',
        '---',
        'name: "example.kasane"',
        'server: https://kubernetes.default.svc',
        'source:',
        '  path: "plugins/kasane"',
        '  plugin:',
        '    name: kasane',
        '---',
        '',
      ].join('\n'),
    );
  });

  it('if / else if / else, range over a map in key order with $k, $v, and an empty range’s else', () => {
    const src =
      '{{ range $k, $v := .Values.envs }}{{ $k }}={{ if eq $v "on" }}1{{ else if $v }}2{{ else }}3{{ end }};{{ end }}' +
      '{{ range .Values.none }}x{{ else }}none{{ end }}';
    expect(evaluateTemplate(src, scope({ envs: { prod: 'on', dev: '', staging: 'yes' } }))).toBe(
      'dev=3;prod=1;staging=2;none',
    );
  });

  it('prints numbers as Go prints float64 (values.yaml numbers are float64 in Helm)', () => {
    const src = '{{ .Values.a }} {{ .Values.b }} {{ .Values.c }} {{ .Values.d }} {{ .Values.e | quote }}';
    expect(evaluateTemplate(src, scope({ a: 3, b: 1_000_000, c: 0.5, d: 0.00001, e: 123456 }))).toBe(
      '3 1e+06 0.5 1e-05 "123456"',
    );
  });

  it('.Release when the Application that renders the chart is known; .Chart from Chart.yaml', () => {
    expect(
      evaluateTemplate(
        '{{ .Release.Name }}/{{ .Release.Namespace }}/{{ .Chart.Name }}',
        scope({}, { Name: 'root', Namespace: 'argocd' }),
      ),
    ).toBe('root/argocd/apps');
  });

  it('refuses what it does not evaluate, naming the line', () => {
    expect(refusal('a: 1\nb: {{ include "apps.labels" . }}\n')).toEqual({
      line: 2,
      message: '`include` is not evaluated: named templates from _helpers.tpl are not evaluated',
    });
    expect(refusal('a: 1\n\nb: {{ tpl .Values.x . }}\n').line).toBe(3);
    expect(refusal('{{ .Values.x | b64enc }}').message).toMatch(
      /^`b64enc` is not a function Tidemark evaluates \(and, or, /,
    );
    expect(refusal('x\n{{ .Release.Name }}')).toEqual({ line: 2, message: '`.Release` is not in Git' });
    expect(refusal('{{ .Capabilities.KubeVersion }}').message).toMatch(/the cluster Helm installs into/);
    expect(refusal('{{- define "x" }}{{ end }}').message).toMatch(/named templates/);
    expect(refusal('{{ if .Values.a }}never ended').message).toMatch(/never ended/);
    expect(refusal('{{ printf "%05d" .Values.n }}').message).toMatch(/printf's %0|flags or widths/);
  });

  it('fails where helm fails: a field of a missing value, required, a number compared with eq', () => {
    expect(refusal('{{ .Values.spec.destination.server }}')).toEqual({
      line: 1,
      message:
        'nil pointer evaluating interface {}.destination (.Values.spec.destination: .Values.spec is not set in the values)',
    });
    expect(refusal('{{ required "set server" .Values.server }}').message).toBe(
      'required: set server (Helm fails here too)',
    );
    expect(refusal('{{ if eq .Values.n 1 }}{{ end }}', { n: 1 }).message).toMatch(
      /eq on float64 is not evaluated/,
    );
    expect(refusal('{{ .Values.name.first }}', { name: 'x' }).message).toMatch(
      /can't evaluate field first in type string/,
    );
  });
});
