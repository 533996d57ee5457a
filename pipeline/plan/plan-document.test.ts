import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/json-schema.js';
import { loadPolicies } from '../policy/load.js';
import { evaluatePolicies } from '../policy/evaluate.js';
import { modelOf, deployment, container } from '../testing/model-fixtures.js';
import { parseCpu, parseMemory } from '../core/quantity.js';
import type { AnalyzerId, AnalyzerResult, FieldProposal } from '../analyze/types.js';
import type { PipelineConfig } from '../config/types.js';
import type { PlanRun } from './run.js';
import { buildPlanDocument } from './plan-document.js';
import { buildOutputs } from './outputs.js';
import { rowsOf } from '../render/pr-body/rows.js';

const NOW = 1_800_000_000;
const WORKLOAD = 'Deployment/batch/etl';
const object = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'batch', name: 'etl' };

function request(resource: 'cpu' | 'memory', current: string, proposed: string): FieldProposal {
  const parse = resource === 'cpu' ? parseCpu : parseMemory;
  return {
    object,
    path: ['spec', 'template', 'spec', 'containers', { name: 'etl' }, 'resources', 'requests', resource],
    current,
    proposed,
    quantity: {
      resource,
      role: 'request',
      container: 'etl',
      current: parse(current),
      proposed: parse(proposed),
    },
  };
}

/**
 * The demo's etl: CPU 1 → 925m, memory 3Gi → 2554Mi. Tidemark raised its CPU 850m → 1 three days
 * ago, so the 7.5 % cut would reverse that within 7 days (it needs 20 %) and is dropped: a
 * reversal never rides along with the memory change.
 */
function planOf(fields: FieldProposal[]): ReturnType<typeof buildPlanDocument> {
  const { run, config } = runOf(fields);
  return buildPlanDocument(run, config, '0.0.0', new Date(NOW * 1000));
}

function runOf(fields: FieldProposal[]): { run: PlanRun; config: PipelineConfig } {
  const model = modelOf(
    [
      deployment('etl', 'batch', {
        replicas: 1,
        containers: [container({ name: 'etl', cpu: '1', memory: '3Gi' })],
      }),
    ],
    NOW,
  );
  model.history = [
    {
      time: NOW - 3 * 86400,
      commit: 'c0ffee',
      workload: WORKLOAD,
      field: 'container/etl/requests/cpu',
      from: '850m',
      to: '1',
    },
  ];
  const result: AnalyzerResult = {
    recommendations: [
      {
        id: `rightsize:${WORKLOAD}:container etl`,
        analyzer: 'rightsize',
        workload: WORKLOAD,
        subject: 'container etl',
        fields,
        objects: [],
        evidence: {
          window: { start: NOW - 14 * 86400, end: NOW },
          samples: 4000,
          ooms: 0,
          confidence: { days: 14, level: 'high' },
          why: 'etl: both resources',
          cpu: { detail: 'P90 of 5-minute CPU is 801m' },
          memory: { detail: 'P98 of 5-minute memory peaks is 2.17Gi' },
        },
        risk: 'low',
      },
    ],
    skipped: [],
  };
  const set = loadPolicies(join(packageRoot(), 'policies'));
  const results = new Map<AnalyzerId, AnalyzerResult>([['rightsize', result]]);
  const { decided } = evaluatePolicies(set, model, results, { now: NOW });
  const run = {
    clusters: [
      {
        cluster: { name: 'demo', repo: { path: tmpdir() } },
        model,
        window: { start: NOW - 14 * 86400, end: NOW, step: 300 },
        analyzerResults: results,
        decided,
        skipped: [],
        changes: [],
        render: {
          rendered: new Map([[WORKLOAD, ['batch/etl.yaml']]]),
          skipped: [],
          handOverNotes: new Map(),
          edits: [],
        },
        stats: { metrics: { queries: 0, series: 0, samples: 0, bytes: 0 } },
      },
    ],
    stages: {},
    peakRssMiB: {},
    startedAt: 0,
  } as unknown as PlanRun;
  const config = {
    file: '/cfg.yaml',
    prices: { cpuCoreHour: 0.031, memoryGiBHour: 0.0042, currency: 'USD' },
    output: {},
    raw: {},
  } as PipelineConfig;
  return { run, config };
}

describe('plan/plan-document', () => {
  it("keys the analyzer's value by field: the memory row never shows the dropped CPU value", () => {
    // CPU first, as the analyzer orders them: dropping it used to shift memory onto CPU's value.
    const doc = planOf([request('cpu', '1', '925m'), request('memory', '3Gi', '2554Mi')]);
    const rec = doc.clusters[0]!.recommendations[0]!;
    expect(rec.outcomes).toEqual([
      expect.objectContaining({ rule: 'min-change', decision: 'rejected', field: 'etl cpu request' }),
    ]);
    expect(rec.fields).toEqual([
      {
        object: WORKLOAD,
        path: 'spec.template.spec.containers[name=etl].resources.requests.memory',
        current: '3Gi',
        proposed: '2554Mi',
        analyzerProposed: '2554Mi',
      },
    ]);
    const rows = rowsOf([rec]);
    expect(rows.map((r) => [r.resource, r.current, r.proposed, r.why])).toEqual([
      ['memory request', '3Gi', '2554Mi', 'P98 of 5-minute memory peaks is 2.17Gi'],
    ]);
  });

  it('writes money in cents, the cluster total the sum of what each recommendation shows', () => {
    const doc = planOf([request('cpu', '1', '925m'), request('memory', '3Gi', '2554Mi')]);
    // 1 replica frees 3072 − 2554 = 518 MiB (543,162,368 bytes) = 0.5059 GiB × $0.0042 × 730 h
    // = $1.5510 a month; the CPU change was left out, so it saves nothing.
    const saving = { cpu: 0, memory: 1.55, total: 1.55, cores: 0, bytes: 543162368 };
    expect(doc.clusters[0]!.recommendations[0]!.savings).toEqual(saving);
    expect(doc.clusters[0]!.summary.savings).toEqual(saving);
  });

  it('writes plan.json in pieces that are exactly JSON.stringify of the rounded, schema-valid document', () => {
    const { run, config } = runOf([request('cpu', '1', '925m'), request('memory', '3Gi', '2554Mi')]);
    // unrounded statistics, as the estimator hands them over (the demo's)
    const cpu = 46.246666461229324;
    const memory = 215785635.88227358;
    run.clusters[0]!.decided[0]!.evidence.usage = {
      cpu: { p50: 20.499999999999986, p90: cpu, p95: cpu, p99: cpu, max: cpu },
      memory: { p50: memory, p90: memory, p95: memory, p99: memory, max: memory },
    };
    const out = buildOutputs(run, config, { now: new Date(NOW * 1000), unifiedDiff: () => '' });
    const text = [...(out.files['plan.json'] as Iterable<string>)].join('');
    expect(text).toBe(JSON.stringify(out.doc, null, 2) + '\n');
    expect(out.doc.clusters[0]!.recommendations[0]!.evidence.usage).toEqual({
      cpu: { p50: 20.5, p90: 46.2, p95: 46.2, p99: 46.2, max: 46.2 },
      memory: { p50: 215785636, p90: 215785636, p95: 215785636, p99: 215785636, max: 215785636 },
    });
    expect(text).not.toMatch(/\d\.\d{5,}/);
  });

  it("shows a clamped field's own analyzer value and statistic, whatever was dropped before it", () => {
    // Memory 3Gi → 2Gi is a third lower: max-decrease clamps it to 20 % (3Gi × 0.8 = 2458Mi).
    const doc = planOf([request('cpu', '1', '925m'), request('memory', '3Gi', '2Gi')]);
    const rec = doc.clusters[0]!.recommendations[0]!;
    expect(rec.fields.map((f) => [f.proposed, f.analyzerProposed])).toEqual([['2458Mi', '2Gi']]);
    expect(rowsOf([rec]).map((r) => r.why)).toEqual([
      'at most 20% lower per 7 days (analyzer: 2Gi; P98 of 5-minute memory peaks is 2.17Gi)',
    ]);
  });
});
