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

/** The demo's etl: CPU 1 → 925m (7.5 %, under the 10 % a PR is worth), memory 3Gi → 2554Mi. */
function planOf(fields: FieldProposal[]): ReturnType<typeof buildPlanDocument> {
  const model = modelOf(
    [
      deployment('etl', 'batch', {
        replicas: 1,
        containers: [container({ name: 'etl', cpu: '1', memory: '3Gi' })],
      }),
    ],
    NOW,
  );
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
        cluster: { name: 'demo' },
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
  } as PipelineConfig;
  return buildPlanDocument(run, config, '0.0.0', new Date(NOW * 1000));
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
