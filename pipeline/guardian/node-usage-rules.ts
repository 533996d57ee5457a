/**
 * The recording rules behind `guardian.recordedNodeUsage` (deploy/guardian/prometheus-rules), made
 * from the very queries the guardian asks otherwise, so the two cannot drift: the file in deploy/
 * is checked against this (node-usage-rules.test.ts) and evaluated by a real Prometheus there.
 */
import { stringify } from 'yaml';
import { NODE_USAGE_RULES, nodeUsageQueries } from './usage.js';

/** `groups` of a Prometheus rule file: the three node series, every `intervalSeconds`. */
export function nodeUsageRuleGroups(o: { intervalSeconds: number; selector?: string }): object[] {
  const [cpu, memory, newest] = nodeUsageQueries(o.selector ?? '', '1m');
  return [
    {
      name: 'tidemark-guardian-node-usage',
      interval: `${o.intervalSeconds}s`,
      rules: [
        { record: NODE_USAGE_RULES.cpu, expr: cpu },
        { record: NODE_USAGE_RULES.memory, expr: memory },
        { record: NODE_USAGE_RULES.newest, expr: newest },
      ],
    },
  ];
}

/** The PrometheusRule object of deploy/guardian/prometheus-rules/rules.yaml. */
export function nodeUsagePrometheusRule(): string {
  return stringify(
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'tidemark-guardian-node-usage', namespace: 'tidemark' },
      // 15 s: the guardian's default tick is 10 s and cAdvisor is scraped every 15–30 s.
      spec: { groups: nodeUsageRuleGroups({ intervalSeconds: 15 }) },
    },
    { lineWidth: 0 },
  );
}
