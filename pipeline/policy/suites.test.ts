/**
 * Runs the test suite beside every bundled policy (policies/<id>/tests/suite.yaml) against the
 * whole bundled set, since precedence between policies is part of what a case checks; and fails
 * for a policy folder that has no suite.
 */
import { readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot, validateOrThrow } from '../core/json-schema.js';
import { parseCpu, parseMemory } from '../core/quantity.js';
import { loadPolicies } from './load.js';
import { evaluatePolicies } from './evaluate.js';
import { modelOf, deployment, container } from '../testing/model-fixtures.js';
import type { KubeObject } from '../collect/types.js';
import type { AnalyzerResult, FieldProposal } from '../analyze/types.js';

const root = join(packageRoot(), 'policies');
const folders = readdirSync(root).filter((f) => statSync(join(root, f)).isDirectory());
const set = loadPolicies(root);
const NOW = 1_800_000_000;

interface Case {
  name: string;
  workload: {
    kind?: string;
    namespace: string;
    name: string;
    replicas?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    limits?: Record<string, string>;
  };
  namespaceLabels?: Record<string, string>;
  fields: {
    resource: 'cpu' | 'memory';
    role?: 'request' | 'limit';
    container?: string;
    current: string;
    proposed: string;
  }[];
  evidence?: { days?: number; samples?: number; ooms?: number; cpuSaturatedAt?: string };
  history?: { daysAgo: number; field: string; from?: string; to: string }[];
  objects?: KubeObject[];
  expect: {
    decision: string;
    rule?: string;
    policy?: string;
    reason?: string;
    fields?: Record<string, string>;
  };
}

describe('policy suites', () => {
  it.each(folders)('policy %s has a non-empty suite', (folder) => {
    const file = join(root, folder, 'tests', 'suite.yaml');
    expect(existsSync(file)).toBe(true);
    const suite = parse(readFileSync(file, 'utf8')) as { cases: unknown[] };
    validateOrThrow('https://tidemark.io/schemas/policy-suite.json', suite, { file });
    expect(suite.cases.length).toBeGreaterThan(0);
  });

  const cases = folders.flatMap((folder) => {
    const file = join(root, folder, 'tests', 'suite.yaml');
    if (!existsSync(file)) return [];
    return (parse(readFileSync(file, 'utf8')) as { cases: Case[] }).cases.map(
      (c) => [`${folder}: ${c.name}`, c] as const,
    );
  });

  it.each(cases)('%s', (_name, c) => {
    const kind = c.workload.kind ?? 'Deployment';
    const requests: Record<string, string> = {};
    const limits: Record<string, string> = { ...(c.workload.limits ?? {}) };
    for (const f of c.fields) (f.role === 'limit' ? limits : requests)[f.resource] = f.current;
    const w = deployment(c.workload.name, c.workload.namespace, {
      kind,
      replicas: c.workload.replicas,
      labels: c.workload.labels,
      annotations: c.workload.annotations,
      containers: [
        container({
          name: 'app',
          cpu: requests.cpu,
          memory: requests.memory,
          cpuLimit: limits.cpu,
          memoryLimit: limits.memory,
        }),
      ],
    });
    const ns: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: c.workload.namespace, labels: c.namespaceLabels ?? {} },
    };
    const model = modelOf([ns, w, ...(c.objects ?? [])], NOW);
    model.history = (c.history ?? []).map((h) => ({
      time: NOW - h.daysAgo * 86400,
      commit: 'c0ffee',
      workload: `${kind}/${c.workload.namespace}/${c.workload.name}`,
      field: h.field,
      from: h.from,
      to: h.to,
    }));
    const object = { apiVersion: 'apps/v1', kind, namespace: c.workload.namespace, name: c.workload.name };
    const fields: FieldProposal[] = c.fields.map((f) => {
      const parse = f.resource === 'cpu' ? parseCpu : parseMemory;
      const role = f.role ?? 'request';
      return {
        object,
        path: [
          'spec',
          'template',
          'spec',
          'containers',
          { name: 'app' },
          'resources',
          role === 'request' ? 'requests' : 'limits',
          f.resource,
        ],
        current: f.current,
        proposed: f.proposed,
        quantity: {
          resource: f.resource,
          role,
          container: 'app',
          current: parse(f.current),
          proposed: parse(f.proposed),
        },
      };
    });
    const days = c.evidence?.days ?? 14;
    const result: AnalyzerResult = {
      recommendations: [
        {
          id: 'case',
          analyzer: 'rightsize',
          workload: `${kind}/${c.workload.namespace}/${c.workload.name}`,
          subject: 'container app',
          fields,
          objects: [],
          evidence: {
            window: { start: NOW - days * 86400, end: NOW },
            samples: c.evidence?.samples ?? 4000,
            ooms: c.evidence?.ooms ?? 0,
            ...(c.evidence?.cpuSaturatedAt
              ? {
                  cpu: {
                    saturation: {
                      quantile: 0.9,
                      usage: parseCpu(c.evidence.cpuSaturatedAt),
                      request: parseCpu(c.fields.find((f) => f.resource === 'cpu')!.current),
                    },
                  },
                }
              : {}),
            confidence: { days, level: 'high' },
            why: 'suite case',
          },
          risk: 'low',
        },
      ],
      skipped: [],
    };
    const [d] = evaluatePolicies(set, model, new Map([['rightsize', result]]), { now: NOW }).decided;
    expect(d!.decision).toBe(c.expect.decision);
    if (c.expect.rule) {
      const o = d!.outcomes.find((x) => x.rule === c.expect.rule);
      expect(o).toBeDefined();
      if (c.expect.policy) expect(o!.policy).toBe(c.expect.policy);
      if (c.expect.reason) expect(o!.reason).toBe(c.expect.reason);
    }
    if (c.expect.fields) {
      const final = Object.fromEntries(
        d!.fields
          .filter((f) => f.quantity!.role === 'request')
          .map((f) => [f.quantity!.resource, f.proposed]),
      );
      expect(final).toEqual(c.expect.fields);
    }
    for (const o of d!.outcomes) expect(o.reason.length).toBeGreaterThan(5);
  });
});
