/**
 * deploy/guardian/prometheus-rules is what the guardian reads with `recordedNodeUsage`: the file
 * agrees with the queries it records (generated from them), and the real promtool accepts it.
 * usage.test.ts has a real Prometheus evaluate the rules and compares with the raw queries.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { nodeUsagePrometheusRule, nodeUsageRuleGroups } from './node-usage-rules.js';
import { NODE_USAGE_RULES, nodeUsageQueries, prometheusNodeUsage } from './usage.js';
import { describeWithPrometheus } from '../testing/prometheus-tier.js';
import type { PrometheusClient } from '../collect/prometheus/client.js';

const file = new URL('../../deploy/guardian/prometheus-rules/rules.yaml', import.meta.url);

describe('the guardian node-usage recording rules', () => {
  it('deploy/guardian/prometheus-rules/rules.yaml is the generated PrometheusRule', () => {
    expect(parse(readFileSync(file, 'utf8'))).toEqual(parse(nodeUsagePrometheusRule()));
  });

  it('records exactly the raw node queries, and the guardian reads the recorded names (with the selector)', () => {
    const [group] = nodeUsageRuleGroups({ intervalSeconds: 15 }) as {
      rules: { record: string; expr: string }[];
    }[];
    expect(group!.rules.map((r) => r.expr)).toEqual(nodeUsageQueries('', '1m'));
    const client = {} as PrometheusClient;
    expect(prometheusNodeUsage(client, 'cluster="eu-1"', '1m', { recorded: true }).queries).toEqual([
      `${NODE_USAGE_RULES.cpu}{cluster="eu-1"}`,
      `${NODE_USAGE_RULES.memory}{cluster="eu-1"}`,
      `${NODE_USAGE_RULES.newest}{cluster="eu-1"}`,
    ]);
    expect(prometheusNodeUsage(client, '', '1m', { recorded: true }).queries).toEqual(
      Object.values(NODE_USAGE_RULES),
    );
  });
});

describeWithPrometheus()('the guardian node-usage recording rules, checked by promtool', () => {
  it('promtool check rules accepts the spec groups', () => {
    const rules = join(mkdtempSync(join(tmpdir(), 'rules-')), 'rules.yml');
    const doc = parse(readFileSync(file, 'utf8')) as { spec: { groups: unknown[] } };
    writeFileSync(rules, stringify({ groups: doc.spec.groups }));
    const out = execFileSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS: 3 rules found/);
  });
});
