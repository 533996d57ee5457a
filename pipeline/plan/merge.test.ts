import { mergeChanges, checkOwnership } from './merge.js';
import { MergeConflictError } from '../core/errors.js';
import type { DecidedRecommendation } from '../policy/types.js';
import type { AnalyzerId, FieldProposal, OwnedField } from '../analyze/types.js';

const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: 'shop', name: 'web' };

function rec(
  analyzer: AnalyzerId,
  fields: FieldProposal[],
  decision: DecidedRecommendation['decision'] = 'accepted',
  workload = 'Deployment/shop/web',
): DecidedRecommendation {
  return {
    id: `${analyzer}:${workload}:${fields.map((f) => f.path.join('.')).join(',')}`,
    analyzer,
    workload,
    subject: 'test',
    fields,
    objects: [],
    evidence: { window: { start: 0, end: 1 }, samples: 1, ooms: 0, why: 'test' },
    risk: 'low',
    decision,
    outcomes: [],
    proposedFields: fields,
  };
}

const cpuPath = ['spec', 'template', 'spec', 'containers', { name: 'web' }, 'resources', 'requests', 'cpu'];
const rightsizeOwns: OwnedField[] = [
  { kind: 'Deployment', path: ['spec', 'template', 'spec', 'containers', '*', 'resources', '**'] },
];
const hpaOwns: OwnedField[] = [{ kind: 'HorizontalPodAutoscaler', path: ['spec', '**'] }];
const analyzers = [
  { id: 'rightsize' as const, owns: rightsizeOwns },
  { id: 'hpa' as const, owns: hpaOwns },
];

describe('plan/merge', () => {
  it('puts every analyzer proposal for one workload into one change', () => {
    const changes = mergeChanges(
      'demo',
      [
        rec('rightsize', [{ object: deployment, path: cpuPath, current: '500m', proposed: '250m' }]),
        rec('hpa', [{ object: hpa, path: ['spec', 'maxReplicas'], current: 10, proposed: 14 }]),
        rec(
          'rightsize',
          [{ object: { ...deployment, name: 'cart' }, path: cpuPath, current: '1', proposed: '500m' }],
          'accepted',
          'Deployment/shop/cart',
        ),
      ],
      analyzers,
    );
    expect(changes.map((c) => c.workload)).toEqual(['Deployment/shop/cart', 'Deployment/shop/web']);
    const web = changes[1]!;
    expect(web.fields.map((f) => f.analyzer)).toEqual(['rightsize', 'hpa']);
    expect(web.recommendations).toHaveLength(2);
  });

  it('leaves rejected recommendations out', () => {
    const changes = mergeChanges(
      'demo',
      [rec('rightsize', [{ object: deployment, path: cpuPath, proposed: '250m' }], 'rejected')],
      analyzers,
    );
    expect(changes).toEqual([]);
  });

  it('fails naming both analyzers when two propose one field', () => {
    const sharedOwns = [
      { id: 'rightsize' as const, owns: rightsizeOwns },
      { id: 'hpa' as const, owns: rightsizeOwns },
    ];
    const run = (): unknown =>
      mergeChanges(
        'demo',
        [
          rec('rightsize', [{ object: deployment, path: cpuPath, proposed: '250m' }]),
          rec('hpa', [{ object: deployment, path: cpuPath, proposed: '300m' }]),
        ],
        sharedOwns,
      );
    expect(run).toThrow(MergeConflictError);
    expect(run).toThrow(/"rightsize" proposes "250m".*"hpa" proposes "300m"/);
  });

  it("refuses a field outside the analyzer's declared ownership", () => {
    expect(() =>
      mergeChanges(
        'demo',
        [rec('hpa', [{ object: deployment, path: ['spec', 'replicas'], proposed: 3 }])],
        analyzers,
      ),
    ).toThrow(/"hpa" proposed Deployment\/shop\/web spec.replicas, a field it does not own/);
  });

  it('detects overlapping ownership declarations between analyzers', () => {
    expect(() => checkOwnership(analyzers)).not.toThrow();
    expect(() =>
      checkOwnership([
        { id: 'rightsize', owns: rightsizeOwns },
        { id: 'placement', owns: [{ kind: 'Deployment', path: ['spec', 'template', 'spec', '**'] }] },
      ]),
    ).toThrow(/"rightsize" and "placement" both own/);
  });
});
