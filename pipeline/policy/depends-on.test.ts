import { evaluatePolicies } from './evaluate.js';
import { modelOf, deployment } from '../testing/model-fixtures.js';
import type { PolicyDoc, PolicySet } from './types.js';
import type { AnalyzerId, AnalyzerResult, Recommendation } from '../analyze/types.js';

const WEB = 'Deployment/shop/web';

function rec(analyzer: AnalyzerId, dependsOn?: string[]): Recommendation {
  return {
    id: `${analyzer}:${WEB}:x`,
    analyzer,
    workload: WEB,
    subject: analyzer,
    fields: [],
    objects: [
      {
        object: {
          apiVersion: 'v1',
          kind: analyzer === 'hpa' ? 'HorizontalPodAutoscaler' : 'ScaledObject',
          namespace: 'shop',
          name: 'web',
        },
        manifest: {},
        schema: 'x',
      },
    ],
    evidence: { window: { start: 0, end: 1 }, samples: 1, ooms: 0, why: 'test' },
    risk: 'low',
    ...(dependsOn ? { dependsOn } : {}),
  };
}

function decide(policies: PolicyDoc[]) {
  const results = new Map<AnalyzerId, AnalyzerResult>([
    ['hpa', { recommendations: [rec('hpa')], skipped: [] }],
    ['cronhpa', { recommendations: [rec('cronhpa', [`hpa:${WEB}:x`])], skipped: [] }],
  ]);
  const set: PolicySet = { dir: '', policies };
  return evaluatePolicies(set, modelOf([deployment('web', 'shop')]), results, { now: 0 }).decided;
}

describe('policy: a recommendation that carries another', () => {
  it('is rejected with the one it depends on, saying which and why', () => {
    const noHpa: PolicyDoc = {
      name: 'no-hpa',
      file: 'policies/no-hpa.yaml',
      priority: 10,
      selector: {},
      analyzers: ['hpa'],
      exclude: true,
      settings: {},
      rules: {},
    };
    const [hpa, cron] = decide([noHpa]);
    expect(hpa!.decision).toBe('rejected');
    expect(cron!.decision).toBe('rejected');
    expect(cron!.outcomes).toEqual([
      {
        policy: 'built-in',
        rule: 'depends-on',
        decision: 'rejected',
        reason: `it carries the numbers of hpa:${WEB}:x, which was rejected: shop is excluded by policy no-hpa`,
      },
    ]);
  });

  it('goes ahead with it when it is accepted', () => {
    expect(decide([]).map((d) => d.decision)).toEqual(['accepted', 'accepted']);
  });
});
