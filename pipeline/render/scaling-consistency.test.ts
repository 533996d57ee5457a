import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scalingContradictions } from './scaling-consistency.js';
import { CHECKOUT_DEPLOYMENT_YAML, CHECKOUT_HPA_MANIFEST, renderDemo } from '../testing/render-fixtures.js';
import { hpaAdoptionChange } from '../testing/changes.js';
import { mergeChanges } from '../plan/merge.js';
import { hpa as hpaAnalyzer } from '../analyze/hpa/index.js';
import { cronhpa as cronAnalyzer } from '../analyze/cronhpa/index.js';
import { modelOf, deployment, container, hpa } from '../testing/model-fixtures.js';
import type { KubeObject } from '../collect/types.js';
import type { FieldProposal, JsonValue, ObjectProposal } from '../analyze/types.js';
import type { DecidedRecommendation } from '../policy/types.js';

const WEB = 'Deployment/shop/web';
const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const hpaRef = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  namespace: 'shop',
  name: 'web',
};

function decided(
  analyzer: 'hpa' | 'cronhpa',
  o: { fields?: FieldProposal[]; objects?: ObjectProposal[] },
): DecidedRecommendation {
  return {
    id: `${analyzer}:${WEB}:x`,
    analyzer,
    workload: WEB,
    subject: analyzer,
    fields: o.fields ?? [],
    objects: o.objects ?? [],
    evidence: { window: { start: 0, end: 1 }, samples: 1, ooms: 0, why: 'test' },
    risk: 'low',
    decision: 'accepted',
    outcomes: [],
    proposedFields: o.fields ?? [],
  };
}

const floor = (from: number, to: number): FieldProposal => ({
  object: hpaRef,
  path: ['spec', 'minReplicas'],
  current: from,
  proposed: to,
});

function scaledObject(min: number, max: number, desired: number[], replaces = true): ObjectProposal {
  return {
    object: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', namespace: 'shop', name: 'web' },
    manifest: {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicaCount: min,
        maxReplicaCount: max,
        triggers: [
          ...desired.map((d, i) => ({
            type: 'cron',
            name: `w${i}-peak`,
            metadata: { timezone: 'UTC', start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: String(d) },
          })),
          { type: 'cpu', metricType: 'Utilization', metadata: { value: '75' } },
        ],
      },
    },
    schema: 'https://tidemark.io/schemas/kubernetes/keda-scaledobject-v1alpha1.json',
    ...(replaces ? { replaces: [hpaRef] } : {}),
  };
}

function newObject(kind: string, apiVersion: string, spec: Record<string, JsonValue>): ObjectProposal {
  return {
    object: { apiVersion, kind, namespace: 'shop', name: 'web' },
    manifest: { apiVersion, kind, metadata: { name: 'web', namespace: 'shop' }, spec },
    schema: 'x',
  };
}

const model = (extra: KubeObject[] = [hpa('web', 'shop', 'web', { min: 3, max: 10, cpuUtilization: 70 })]) =>
  modelOf([
    deployment('web', 'shop', { replicas: 3, containers: [container({ name: 'web', cpu: '500m' })] }),
    ...extra,
  ]);

/** Merges as the plan does (what the ScaledObject replaces is kept aside), then checks. */
function check(recs: DecidedRecommendation[], m = model()): string[] {
  const [change] = mergeChanges('demo', recs, [hpaAnalyzer, cronAnalyzer]);
  return scalingContradictions(m, m.workloads.get(WEB)!, change!);
}

describe('render/scaling-consistency', () => {
  it("catches the demo's contradiction: the HPA floor lowered 3 → 2, the ScaledObject that owns it kept at 3", () => {
    expect(
      check([
        decided('hpa', { fields: [floor(3, 2)] }),
        decided('cronhpa', { objects: [scaledObject(3, 10, [4])] }),
      ]),
    ).toEqual([
      'HorizontalPodAutoscaler web spec.minReplicas 2 but ScaledObject web spec.minReplicaCount 3, which takes its place',
    ]);
  });

  it('passes the same change once the ScaledObject carries the floor (the root fix)', () => {
    expect(
      check([
        decided('hpa', { fields: [floor(3, 2)] }),
        decided('cronhpa', { objects: [scaledObject(2, 10, [4])] }),
      ]),
    ).toEqual([]);
  });

  it('catches a ScaledObject that replaces an HPA adopted in the same change with other bounds', () => {
    const adopted = newObject('HorizontalPodAutoscaler', 'autoscaling/v2', {
      minReplicas: 2,
      maxReplicas: 4,
    });
    expect(
      check(
        [decided('hpa', { objects: [adopted] }), decided('cronhpa', { objects: [scaledObject(2, 6, [3])] })],
        model([]),
      ),
    ).toEqual([
      'HorizontalPodAutoscaler web spec.maxReplicas 4 but ScaledObject web spec.maxReplicaCount 6, which takes its place',
    ]);
  });

  it('catches a scheduled count outside the bounds of the autoscaler that applies it', () => {
    expect(check([decided('cronhpa', { objects: [scaledObject(3, 10, [12, 1])] })])).toEqual([
      'ScaledObject web spec.triggers[name=w0-peak].metadata.desiredReplicas 12 is outside ScaledObject web spec.minReplicaCount 3 – spec.maxReplicaCount 10',
      'ScaledObject web spec.triggers[name=w1-peak].metadata.desiredReplicas 1 is outside ScaledObject web spec.minReplicaCount 3 – spec.maxReplicaCount 10',
    ]);
  });

  it('catches a Crane EHPA whose floor is above its ceiling', () => {
    const ehpa = newObject('EffectiveHorizontalPodAutoscaler', 'autoscaling.crane.io/v1alpha1', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 5,
      maxReplicas: 4,
      crons: [{ name: 'peak', targetReplicas: 4 }],
    });
    expect(check([decided('cronhpa', { objects: [ehpa] })], model([]))).toEqual([
      'EffectiveHorizontalPodAutoscaler web spec.minReplicas 5 is above EffectiveHorizontalPodAutoscaler web spec.maxReplicas 4',
      'EffectiveHorizontalPodAutoscaler web spec.crons[name=peak].targetReplicas 4 is outside EffectiveHorizontalPodAutoscaler web spec.minReplicas 5 – spec.maxReplicas 4',
    ]);
  });

  it("catches Aliyun's down job restoring a floor other than the HPA's, as the HPA is tuned in the same change", () => {
    const aliyun = newObject('CronHorizontalPodAutoscaler', 'autoscaling.alibabacloud.com/v1beta1', {
      scaleTargetRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'web' },
      jobs: [
        { name: 'every-day-up', schedule: '0 30 7 * * *', targetSize: 5 },
        { name: 'every-day-down', schedule: '0 0 18 * * *', targetSize: 3 },
      ],
    });
    expect(
      check([decided('hpa', { fields: [floor(3, 2)] }), decided('cronhpa', { objects: [aliyun] })]),
    ).toEqual([
      'CronHorizontalPodAutoscaler web spec.jobs[name=every-day-down].targetSize 3 restores a floor other than HorizontalPodAutoscaler web spec.minReplicas 2',
    ]);
  });

  it("catches tkestack's CronHPA beside an HPA, and a written spec.replicas outside the HPA's bounds", () => {
    const tke = newObject('CronHPA', 'extensions.tkestack.io/v1', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      crons: [{ schedule: '0 8 * * *', targetReplicas: 4 }],
    });
    expect(check([decided('cronhpa', { objects: [tke] })])).toEqual([
      'CronHPA web sets replicas on a schedule that HorizontalPodAutoscaler web rewrites at its next sync',
    ]);
    const replicas: FieldProposal = {
      object: deploymentRef,
      path: ['spec', 'replicas'],
      current: 3,
      proposed: 1,
    };
    expect(check([decided('hpa', { fields: [replicas] })])).toEqual([
      'Deployment web spec.replicas 1 is outside HorizontalPodAutoscaler web spec.minReplicas 3 – spec.maxReplicas 10',
    ]);
  });

  it('leaves alone what the change does not write: a live ScaledObject a human wrote, at odds with the live HPA', () => {
    const human: KubeObject = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'web-human', namespace: 'shop' },
      spec: { scaleTargetRef: { name: 'web', kind: 'Deployment' }, minReplicaCount: 5, maxReplicaCount: 10 },
    };
    const m = model([hpa('web', 'shop', 'web', { min: 3, max: 10, cpuUtilization: 70 }), human]);
    const rightsize: DecidedRecommendation = {
      ...decided('hpa', {}),
      id: 'rightsize:x',
      analyzer: 'rightsize',
      fields: [
        {
          object: deploymentRef,
          path: ['spec', 'template', 'spec', 'containers', { name: 'web' }, 'resources', 'requests', 'cpu'],
          current: '500m',
          proposed: '400m',
        },
      ],
    };
    const [change] = mergeChanges(
      'demo',
      [rightsize],
      [{ id: 'rightsize', owns: [{ kind: 'Deployment', path: ['spec', 'template', '**'] }] }],
    );
    expect(scalingContradictions(m, m.workloads.get(WEB)!, change!)).toEqual([]);
    // the same human object against an HPA floor this change writes is reported
    expect(check([decided('hpa', { fields: [floor(3, 4)] })], m)).toEqual([
      'HorizontalPodAutoscaler web spec.minReplicas 4 but ScaledObject web-human spec.minReplicaCount 5; both scale Deployment web',
    ]);
  });

  it('fails the change in render: nothing of it is written, and the reason names both fields', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tidemark-consistency-'));
    try {
      mkdirSync(join(root, 'clusters', 'demo', 'shop'), { recursive: true });
      writeFileSync(join(root, 'clusters', 'demo', 'shop', 'checkout.yaml'), CHECKOUT_DEPLOYMENT_YAML);
      const manifest = { ...CHECKOUT_HPA_MANIFEST, spec: { ...CHECKOUT_HPA_MANIFEST.spec, minReplicas: 8 } };
      const result = await renderDemo(
        root,
        [deployment('checkout', 'shop', { replicas: 3 })],
        [hpaAdoptionChange('shop', 'checkout', manifest)],
      );
      expect(result.edits).toEqual([]);
      expect(result.rendered.size).toBe(0);
      expect(result.skipped).toEqual([
        {
          analyzer: 'render',
          workload: 'Deployment/shop/checkout',
          reason: 'contradiction',
          detail:
            'HorizontalPodAutoscaler checkout spec.minReplicas 8 is above HorizontalPodAutoscaler checkout spec.maxReplicas 7: one change must not hold objects that disagree, so none of it is written',
        },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
