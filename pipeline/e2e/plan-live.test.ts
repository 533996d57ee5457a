/**
 * The demo planned from the live cluster it was seeded into (the run's shared kube-apiserver),
 * read as the read-only role: the same recommendations as from the snapshot, and plan.json counts
 * one LIST per kind.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../cli/main.js';
import { prepareDemoWorkspace, type DemoWorkspace } from '../cli/demo-workspace.js';
import { createOpenMetricsSource } from '../collect/openmetrics/index.js';
import { silentLogger } from '../core/logger.js';
import type { PlanDocument } from '../plan/plan-document.js';
import { sharedCluster } from '../testing/shared-cluster.js';
import { describeWithControlPlane } from '../testing/kube-tier.js';
import { allowSlowTests } from '../testing/slow.js';

allowSlowTests();

async function plan(config: string, out: string): Promise<PlanDocument> {
  const code = await main(['plan', '--config', config, '--out', out], {
    stdout: () => {},
    logger: silentLogger,
  });
  expect(code).toBe(0);
  return JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as PlanDocument;
}

describeWithControlPlane()('e2e/plan from a live cluster', () => {
  let ws: DemoWorkspace;

  beforeAll(async () => {
    ws = await prepareDemoWorkspace();
  });

  it('recommends what the snapshot path recommends, and counts one LIST per kind', async () => {
    const cp = sharedCluster();
    if (!cp) throw new Error('the shared control plane was not started (pipeline/testing/global-setup.ts)');
    const latest = await createOpenMetricsSource(join(ws.dir, 'metrics.om')).latestTimestamp!({
      logger: silentLogger,
    });
    const at = `analysis: { at: "${new Date(latest! * 1000).toISOString()}" }\n`;
    const base = readFileSync(ws.config, 'utf8');
    writeFileSync(join(ws.dir, 'snap.yaml'), base + at);
    writeFileSync(
      join(ws.dir, 'live.yaml'),
      base.replace(
        'kubernetes: { snapshot: cluster/ }',
        `kubernetes: { kubeconfig: "${cp.kubeconfigFor('reader')}" }`,
      ) + at,
    );
    const fromSnapshot = await plan(join(ws.dir, 'snap.yaml'), join(ws.dir, 'out-snap'));
    const fromLive = await plan(join(ws.dir, 'live.yaml'), join(ws.dir, 'out-live'));
    // The test cluster's metrics APIService has no metrics-server behind it, so the live read
    // (truthfully) finds the metrics API unavailable, and no HPA is adopted from it; the snapshot
    // says Available. Everything else must be the same.
    const refused = fromLive.clusters[0]!.skipped.filter(
      (x) => x.analyzer === 'hpa' && x.reason === 'metrics-api-unavailable',
    )
      .map((x) => x.workload)
      .sort();
    expect(refused).toEqual(['Deployment/payments/payments-worker', 'Deployment/shop/checkout']);
    const adopted = fromSnapshot.clusters[0]!.recommendations.filter(
      (r) => r.analyzer === 'hpa' && r.subject === 'adopt HPA',
    )
      .map((r) => r.workload)
      .sort();
    expect(adopted).toEqual(refused);
    const view = (d: PlanDocument): string[] =>
      d.clusters[0]!.recommendations.filter(
        (r) => !(refused.includes(r.workload) && (r.analyzer === 'hpa' || r.analyzer === 'cronhpa')),
      )
        .map(
          (r) =>
            `${r.workload} ${r.subject} ${r.decision} ${r.fields.map((f) => `${f.path}=${String(f.proposed)}`).join(',')}`,
        )
        .sort();
    expect(view(fromLive)).toEqual(view(fromSnapshot));
    expect(view(fromLive).length).toBeGreaterThan(10);
    // The same bytes for every file the adoptions do not touch.
    const sections = (dir: string) =>
      readFileSync(join(ws.dir, dir, 'changes.diff'), 'utf8')
        .split(/^(?=diff --git )/m)
        .filter(
          (x) => !/checkout|payments|argocd\/shop\.yaml|shop\/kustomization\.yaml/.test(x.split('\n')[0]!),
        );
    expect(sections('out-live')).toEqual(sections('out-snap'));
    expect(sections('out-live').length).toBeGreaterThan(5);
    const kube = fromLive.clusters[0]!.sources.kubernetes!;
    expect(kube.Pod).toMatchObject({ requests: 1 });
    expect(kube.Pod!.bytes).toBeGreaterThan(10_000);
    expect(Object.values(kube).every((k) => k.requests === 1)).toBe(true);
  });
});
