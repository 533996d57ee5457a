/**
 * Rendering cluster-level subjects (overcommit): Koordinator's ConfigMap with its JSON edited inside
 * the block scalars, the ClusterResourceOverride singleton, a Namespace label — golden files, each
 * result validated against its schema, and Git/live agreement read by meaning (JSON layout differs).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderChanges } from './index.js';
import { modelOf } from '../testing/model-fixtures.js';
import { tempRepo } from '../testing/temp-repo.js';
import { referenceValidator } from '../testing/reference-schemas.js';
import { getValidator, packageRoot } from '../core/json-schema.js';
import { silentLogger } from '../core/logger.js';
import type { WorkloadChange } from '../plan/types.js';
import type { JsonValue } from '../analyze/types.js';

const FIX = join(packageRoot(), 'fixtures', 'overcommit');
const read = (f: string) => readFileSync(join(FIX, f), 'utf8');
/** Byte-exact golden; written only with UPDATE_GOLDEN=1, so a missing file fails (in CI too). */
const goldenFile = (name: string, text: string) => {
  const file = join(FIX, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  if (!existsSync(file)) throw new Error(`golden ${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
  expect(text).toBe(readFileSync(file, 'utf8'));
};
const CRO_SCHEMA = 'https://tidemark.io/schemas/kubernetes/openshift-clusterresourceoverride-v1.json';
const croChange = (key: string, current: number | undefined, proposed: number): WorkloadChange =>
  ({
    cluster: 'demo',
    workload: 'ClusterResourceOverride//cluster',
    recommendations: [],
    objects: [],
    handOver: [],
    fields: [
      {
        object: {
          apiVersion: 'operator.autoscaling.openshift.io/v1',
          kind: 'ClusterResourceOverride',
          name: 'cluster',
        },
        path: ['spec', 'podResourceOverride', 'spec', key],
        current,
        proposed,
        analyzer: 'overcommit',
        recommendation: 'o',
      },
    ],
  }) as unknown as WorkloadChange;

const CM = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: 'koordinator-system',
  name: 'slo-controller-config',
};
const liveJson = (text: string) => JSON.stringify(JSON.parse(text)); // the API server's copy: compact

function configMapChange(before: string, colocation: JsonValue, amplification: JsonValue): WorkloadChange {
  const data = parse(before).data as Record<string, string>;
  return {
    cluster: 'demo',
    workload: 'ConfigMap/koordinator-system/slo-controller-config',
    recommendations: [],
    objects: [],
    handOver: [],
    fields: [
      {
        object: CM,
        path: ['data', 'colocation-config'],
        current: liveJson(data['colocation-config']!),
        proposed: colocation,
        schema: 'https://tidemark.io/schemas/kubernetes/koordinator-colocation-config.json',
        analyzer: 'overcommit',
        recommendation: 'o',
      },
      {
        object: CM,
        path: ['data', 'resource-amplification-config'],
        current: liveJson(data['resource-amplification-config']!),
        proposed: amplification,
        schema: 'https://tidemark.io/schemas/kubernetes/koordinator-resource-amplification-config.json',
        analyzer: 'overcommit',
        recommendation: 'o',
      },
    ],
  } as unknown as WorkloadChange;
}

async function render(files: Record<string, string>, changes: WorkloadChange[]) {
  const root = tempRepo(files, 'tidemark-subjects-');
  return renderChanges({
    repoDir: root,
    repo: { path: root, root: 'clusters/demo' },
    cluster: 'demo',
    model: modelOf([]),
    changes,
    logger: silentLogger,
  });
}

const pool = (name: string, fields: object) => ({
  name,
  nodeSelector: { matchLabels: { 'node-pool': name } },
  ...fields,
});

describe('render: cluster-level subjects', () => {
  it("edits Koordinator's JSON inside its block scalars, only the lines that change, and adds a new pool", async () => {
    const before = read('slo-controller-config.before.yaml');
    // The mid and batch caps are new members of the existing pool's entry (added after its last).
    const caps = {
      midCPUThresholdPercent: 23,
      midMemoryThresholdPercent: 9,
      batchCPUThresholdPercent: 10,
      batchMemoryThresholdPercent: 2,
    };
    const colocation = {
      enable: true,
      nodeConfigs: [
        pool('big', { cpuReclaimThresholdPercent: 55, memoryReclaimThresholdPercent: 60, ...caps }),
        pool('gpu', { cpuReclaimThresholdPercent: 55, memoryReclaimThresholdPercent: 60, ...caps }),
      ],
    };
    const amplification = {
      enable: true,
      nodeConfigs: [
        pool('big', { resourceAmplificationRatio: { cpu: 1.1, memory: 1.1 } }),
        pool('gpu', { resourceAmplificationRatio: { cpu: 1.0, memory: 1.0 } }),
      ],
    };
    const result = await render({ 'clusters/demo/koordinator/slo.yaml': before }, [
      configMapChange(before, colocation, amplification),
    ]);
    expect(result.skipped).toEqual([]);
    const after = result.edits[0]!.after;
    goldenFile('slo-controller-config.after.yaml', after);
    const data = parse(after).data;
    expect(JSON.parse(data['colocation-config'])).toEqual(colocation);
    expect(JSON.parse(data['resource-amplification-config'])).toEqual(amplification);
    expect(data['resource-threshold-config']).toBe(parse(before).data['resource-threshold-config']);
    const upstream = referenceValidator('koordinator_colocation-config_derived.json');
    if (upstream) expect(upstream(JSON.parse(data['colocation-config']))).toBe(true);
  });

  it('leaves the ConfigMap alone when Git and the cluster disagree, whatever the JSON layout', async () => {
    const before = read('slo-controller-config.before.yaml');
    const change = configMapChange(before, { enable: true }, { enable: true });
    (change.fields[1] as { current: string }).current =
      '{"enable":true,"resourceAmplificationRatio":{"cpu":1.5}}';
    const result = await render({ 'clusters/demo/koordinator/slo.yaml': before }, [change]);
    expect(result.edits).toEqual([]);
    expect(result.skipped[0]).toMatchObject({ reason: 'git-live-mismatch' });
  });

  it('refuses a proposal its closed schema rejects, writing nothing', async () => {
    const before = read('slo-controller-config.before.yaml');
    const change = configMapChange(before, { enable: true, cpuReclaimTresholdPercent: 50 } as JsonValue, {
      enable: true,
    });
    const result = await render({ 'clusters/demo/koordinator/slo.yaml': before }, [change]);
    expect(result.edits).toEqual([]);
    expect(result.skipped[0]!.detail).toMatch(/cpuReclaimTresholdPercent is not a known field/);
  });

  it('sets the ClusterResourceOverride percentages byte-minimally, valid against the operator CRD', async () => {
    const before = read('cluster-resource-override.before.yaml');
    const result = await render({ 'clusters/demo/cro.yaml': before }, [
      croChange('cpuRequestToLimitPercent', 50, 31),
    ]);
    expect(result.skipped).toEqual([]);
    goldenFile('cluster-resource-override.after.yaml', result.edits[0]!.after);
    expect(result.edits[0]!.after).toBe(
      before.replace('cpuRequestToLimitPercent: 50', 'cpuRequestToLimitPercent: 31'),
    );
    expect(getValidator(CRO_SCHEMA)(parse(result.edits[0]!.after))).toBe(true);
    const upstream = referenceValidator('operator.autoscaling.openshift.io_ClusterResourceOverride_v1.json');
    if (upstream) expect(upstream(parse(result.edits[0]!.after))).toBe(true);
  });

  it('refuses a ClusterResourceOverride edit its closed schema rejects, writing nothing', async () => {
    const before = read('cluster-resource-override.before.yaml');
    // a scalar field out of the operator's 1–100 range
    const range = await render({ 'clusters/demo/cro.yaml': before }, [
      croChange('memoryRequestToLimitPercent', 80, 0),
    ]);
    expect(range.edits).toEqual([]);
    expect(range.skipped[0]).toMatchObject({
      reason: 'render-refused',
      detail: expect.stringMatching(
        /ClusterResourceOverride cluster fails its schema after the edit: spec\.podResourceOverride\.spec\.memoryRequestToLimitPercent must be >= 1/,
      ),
    });
    // a misspelled field already in Git, which the API server would silently prune
    const typo = await render(
      { 'clusters/demo/cro.yaml': before.replace('limitCPUToMemoryPercent', 'limitCpuToMemoryPercent') },
      [croChange('cpuRequestToLimitPercent', 50, 31)],
    );
    expect(typo.edits).toEqual([]);
    expect(typo.skipped[0]!.detail).toMatch(/limitCpuToMemoryPercent is not a known field/);
  });

  it("adds a namespace's opt-in label where a policy asked, and nothing else", async () => {
    const before =
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: batch\n  labels:\n    team: data   # owners\n';
    const label = 'clusterresourceoverrides.admission.autoscaling.openshift.io/enabled';
    const change = {
      cluster: 'demo',
      workload: 'Namespace//batch',
      recommendations: [],
      objects: [],
      handOver: [],
      fields: [
        {
          object: { apiVersion: 'v1', kind: 'Namespace', name: 'batch' },
          path: ['metadata', 'labels', label],
          proposed: 'true',
          analyzer: 'overcommit',
          recommendation: 'o',
        },
      ],
    } as unknown as WorkloadChange;
    const result = await render({ 'clusters/demo/namespaces/batch.yaml': before }, [change]);
    expect(result.skipped).toEqual([]);
    goldenFile('namespace-opt-in.after.yaml', result.edits[0]!.after);
    expect(result.edits[0]!.after).toBe(`${before}    ${label}: "true"\n`);
    expect(parse(result.edits[0]!.after).metadata.labels).toEqual({ team: 'data', [label]: 'true' });
  });

  it("lowers a Karpenter NodePool's limits in place, valid against Karpenter's CRD", async () => {
    const before = `apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: general
spec:
  template:
    spec:
      nodeClassRef: { group: karpenter.k8s.aws, kind: EC2NodeClass, name: default }
      requirements:
        - { key: karpenter.sh/capacity-type, operator: In, values: [on-demand] }
  limits:
    cpu: 100        # raise with finance's approval
    memory: 400Gi
`;
    const field = (resource: string, current: string, proposed: string) => ({
      object: { apiVersion: 'karpenter.sh/v1', kind: 'NodePool', name: 'general' },
      path: ['spec', 'limits', resource],
      current,
      proposed,
      analyzer: 'scaledown',
      recommendation: 's',
    });
    const change = {
      cluster: 'demo',
      workload: 'NodePool//general',
      recommendations: [],
      objects: [],
      handOver: [],
      fields: [field('cpu', '100', '96'), field('memory', '400Gi', '384Gi')],
    } as unknown as WorkloadChange;
    const result = await render({ 'clusters/demo/karpenter/general.yaml': before }, [change]);
    expect(result.skipped).toEqual([]);
    const after = result.edits[0]!.after;
    expect(after).toBe(before.replace('cpu: 100', 'cpu: 96').replace('memory: 400Gi', 'memory: 384Gi'));
    const upstream = referenceValidator('karpenter.sh_NodePool_v1.json');
    if (upstream) expect(upstream(parse(after))).toBe(true);
  });

  describe('a node pool sized in a repo file', () => {
    const pools =
      '# Read by Terraform: one entry per node group.\r\npools:\r\n  general:\r\n    size: 3        # desired nodes\r\n    instance: "m6i.xlarge"\r\n  gpu:\r\n    size: 3\r\n';
    const change = (current: number, file = 'infra/pools.yaml') =>
      ({
        cluster: 'demo',
        workload: 'NodeGroup//general',
        recommendations: [],
        objects: [],
        handOver: [],
        fields: [
          {
            object: { apiVersion: 'tidemark.io/v1alpha1', kind: 'NodeGroup', name: 'general' },
            path: ['pools', 'general', 'size'],
            current,
            proposed: current - 1,
            file,
            analyzer: 'scaledown',
            recommendation: 's',
          },
        ],
      }) as unknown as WorkloadChange;

    it('changes only the number, keeping the comment, CRLF endings and the other pool', async () => {
      const result = await render({ 'infra/pools.yaml': pools }, [change(3)]);
      expect(result.skipped).toEqual([]);
      expect(result.rendered.get('NodeGroup//general')).toEqual(['infra/pools.yaml']);
      expect(result.edits[0]!.after).toBe(pools.replace('size: 3        #', 'size: 2        #'));
    });

    it('leaves the file alone when it disagrees with the live node count, or is missing', async () => {
      const mismatch = await render({ 'infra/pools.yaml': pools }, [change(4)]);
      expect(mismatch.edits).toEqual([]);
      expect(mismatch.skipped[0]).toMatchObject({
        reason: 'git-live-mismatch',
        detail: expect.stringContaining('pools.general.size is 3 in Git but the cluster runs 4'),
      });
      const missing = await render({ 'infra/pools.yaml': pools }, [change(3, 'infra/other.yaml')]);
      expect(missing.edits).toEqual([]);
      expect(missing.skipped[0]).toMatchObject({
        reason: 'not-in-git',
        detail: expect.stringContaining('infra/other.yaml'),
      });
    });
  });
});
