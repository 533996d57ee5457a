/**
 * The spine end to end on the embedded demo, through the CLI: plan, the outputs and their
 * schema, the decisions a platform engineer expects, kustomize still building the edited
 * overlay, apply to a local branch, and idempotence (plan twice; plan on the applied branch).
 */
import { readFileSync, existsSync, writeFileSync, mkdtempSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { simpleGit } from 'simple-git';
import { main } from '../cli/main.js';
import { prepareDemoWorkspace, type DemoWorkspace } from '../cli/demo-workspace.js';
import { getValidator } from '../core/json-schema.js';
import { createMemoryLogger } from '../core/logger.js';
import type { PlanDocument, PlanRecommendationJson } from '../plan/plan-document.js';
import { decodeMarker } from '../publish/pr/marker.js';
import { buildReport } from '../report/model/build.js';
import { allowSlowTests } from '../testing/slow.js';

allowSlowTests();

async function run(args: string[]): Promise<{ code: number; out: string; logs: string[] }> {
  let out = '';
  const logger = createMemoryLogger('info');
  const code = await main(args, { stdout: (t) => (out += t), logger });
  return { code, out, logs: logger.lines };
}

describe('e2e/plan-on-demo', () => {
  let ws: DemoWorkspace;
  let outDir: string;
  let doc: PlanDocument;
  const rec = (workload: string, container: string): PlanRecommendationJson =>
    doc.clusters[0]!.recommendations.find(
      (r) => r.workload === workload && r.subject === `container ${container}`,
    )!;
  const field = (r: PlanRecommendationJson, suffix: string): unknown =>
    r.fields.find((f) => f.path.endsWith(suffix))?.proposed;

  beforeAll(async () => {
    ws = await prepareDemoWorkspace();
    outDir = join(ws.dir, 'out');
    const r = await run(['plan', '--config', ws.config, '--out', outDir]);
    expect(r.code).toBe(0);
    doc = JSON.parse(readFileSync(join(outDir, 'plan.json'), 'utf8')) as PlanDocument;
  });

  it('writes plan.json valid against its schema, a diff, and the pull requests run would open', () => {
    expect(getValidator('https://tidemark.io/schemas/plan.json')(doc)).toBe(true);
    const diff = readFileSync(join(outDir, 'changes.diff'), 'utf8');
    expect(diff).toMatch(/^diff --git a\/clusters\/demo\/batch\/workloads\.yaml/m);
    const pr = (slug: string) => readFileSync(join(outDir, 'pr', 'demo', `${slug}.md`), 'utf8');
    const checkout = pr('shop-deployment-checkout');
    expect(checkout).toMatch(/### Namespace `shop`/);
    expect(checkout).toMatch(/### How to revert/);
    expect(checkout).toMatch(/\*\*What it saves:\*\* saves \$\d+(\.\d+)?\/month/);
    // autoscaling: the demand chart, the cycle and its strength, the schedule in its zone, the surge, the hand-over
    const auto = checkout.slice(checkout.indexOf('<b>Autoscaling</b>'), checkout.indexOf('### Evidence'));
    expect(auto).toMatch(/#### `Deployment\/shop\/checkout`/);
    expect(auto).toMatch(/```mermaid\nxychart-beta/);
    expect(auto).toMatch(/cycle, strength [\d.]+/);
    expect(auto).toMatch(/`30 17 \* \* 1-5` → `0 22 \* \* 1-5` \(Europe\/Berlin\): at least \d+/);
    expect(pr('shop-deployment-web')).toMatch(
      /`30 \d+ \* \* \*` → `0 \d+ \* \* \*` \(Europe\/Berlin\): at least \d+/,
    );
    expect(auto).toMatch(/On a surge:\*\* The HPA still scales above the planned floor/);
    expect(auto).toMatch(/RespectIgnoreDifferences=true for Deployment checkout \/spec\/replicas/);
    // overcommit: the general pool's figures, its ratio and what happens when load rises
    const overcommit = pr('koordinator-system-configmap-slo-controller-config');
    expect(overcommit).toMatch(/<b>Overcommit<\/b>[\s\S]*#### Pool `general` \(3 node\(s\)\)/);
    expect(overcommit).toMatch(/\*\*When load rises:\*\*/);
  });

  it('opens reviewable PRs: one per workload, overcommit on its own, each under 20 KB with its summary first', () => {
    const index = readFileSync(join(outDir, 'pr.md'), 'utf8');
    const rows = [
      ...index.matchAll(
        /^\| \d+ \| (.+?) \| `(tidemark\/demo\/[^`]+)` \| `main` \| (.+?) \| (\w+) \| \[(pr\/[^\]]+)\]/gm,
      ),
    ];
    // One PR per changed workload (ten in the demo), Koordinator's ConfigMap among them.
    const changed = new Set(
      doc.clusters[0]!.recommendations.filter((r) => r.render.status === 'rendered').map((r) => r.workload),
    );
    expect(changed.size).toBeGreaterThanOrEqual(9);
    expect(changed).toContain('ConfigMap/koordinator-system/slo-controller-config');
    expect(rows).toHaveLength(changed.size);
    const groups = rows.map((m) => decodeMarker(readFileSync(join(outDir, m[5]!), 'utf8'))!.group).sort();
    expect(groups).toEqual([...changed].sort());
    // A workload's own changes travel together: web's HPA, schedule and placement (its memory,
    // 768Mi over a ~470Mi peak, is within 30 % of its target and stays).
    const web = readFileSync(join(outDir, 'pr/demo/shop-deployment-web.md'), 'utf8');
    expect(web).not.toMatch(/^\| deployment\/web \| web \| memory request \|/m);
    expect(web).toMatch(/^\| deployment\/web \|  \| spec\.minReplicas \|/m);
    expect(web).toContain('<b>Virtual-node placement</b>');
    expect(web).not.toContain('slo-controller-config');
    // No node pool changes in the demo: the scale-down report is in pr.md only, in no PR.
    expect(index).toContain('### Scale-down (`demo`)');
    for (const m of rows) {
      const body = readFileSync(join(outDir, m[5]!), 'utf8');
      expect(Buffer.byteLength(body)).toBeLessThan(20 * 1024);
      expect(body).not.toContain('Scale-down');
      const lines = body.split('\n');
      expect(lines[0]).toMatch(/^## Tidemark: /);
      expect(lines[2]).toBe('**What changes:**');
      const saves = lines.findIndex((l) => l.startsWith('**What it saves:**'));
      const risk = lines.findIndex((l) => l.startsWith('**Risk:'));
      const firstTable = lines.findIndex((l) => l.startsWith('| Workload |'));
      expect(saves).toBeGreaterThan(2);
      expect(risk).toBeGreaterThan(saves);
      expect(firstTable).toBeGreaterThan(risk);
      // Never raw JSON in a table cell.
      expect(lines.filter((l) => l.startsWith('|') && /[{[]"/.test(l))).toEqual([]);
    }
    const koordinator = readFileSync(
      join(outDir, 'pr/demo/koordinator-system-configmap-slo-controller-config.md'),
      'utf8',
    );
    expect(koordinator).toContain(
      '`nodeConfigs[general].resourceAmplificationRatio.cpu` 1 → 1.1; `nodeConfigs[general].resourceAmplificationRatio.memory` 1 → 1.1',
    );
  });

  it('decides what a platform engineer expects on each demo workload', () => {
    // over-provisioned: a big cut, stepped down 20 % by policy on the first run
    const cart = rec('Deployment/shop/cart', 'cart');
    expect(cart.decision).toBe('clamped');
    expect(field(cart, 'requests.cpu')).toBe('800m');
    expect(cart.outcomes.some((o) => o.rule === 'max-decrease')).toBe(true);
    // OOM-killed: memory rises (request and the limit kept equal to it)
    const api = rec('Deployment/payments/payments-api', 'api');
    expect(api.evidence.ooms).toBeGreaterThan(0);
    const apiMem = api.fields.find((f) => f.path.endsWith('requests.memory'))!;
    expect(parseInt(String(apiMem.proposed))).toBeGreaterThan(256);
    // growing memory is raised, not lowered
    const catalog = rec('Deployment/shop/catalog', 'catalog');
    expect(parseInt(String(field(catalog, 'requests.memory')))).toBeGreaterThan(512);
    // HPA on CPU: CPU is never proposed; memory (768Mi, within 30 % of its target) stays.
    expect(rec('Deployment/shop/web', 'web')).toBeUndefined();
    // injected sidecar: proposed, then skipped by render
    expect(rec('Deployment/shop/checkout', 'istio-proxy').render).toMatchObject({
      status: 'skipped',
      reason: 'container-not-in-git',
    });
    // excluded namespace and unsupported kinds
    expect(rec('DaemonSet/kube-system/kube-proxy', 'kube-proxy').decision).toBe('rejected');
    expect(doc.clusters[0]!.skipped).toContainEqual(
      expect.objectContaining({ workload: 'CronJob/batch/nightly-export', reason: 'unsupported-kind' }),
    );
    // autoscaling: the daily-cycle checkout gets an HPA, web's HPA is tuned in the overlay, the
    // 3-hourly bursts of report-worker are too fast for one, singletons and StatefulSets stay
    const hpa = (w: string) =>
      doc.clusters[0]!.recommendations.find((r) => r.workload === w && r.analyzer === 'hpa');
    const hpaSkip = (w: string) =>
      doc.clusters[0]!.skipped.find((s) => s.workload === w && s.analyzer === 'hpa');
    expect(hpa('Deployment/shop/checkout')?.subject).toBe('adopt HPA');
    expect(hpa('Deployment/shop/web')?.subject).toBe('tune HPA web');
    expect(hpaSkip('Deployment/batch/report-worker')?.reason).toBe('too-bursty');
    expect(hpaSkip('Deployment/batch/etl')?.reason).toBe('not-eligible');
    expect(hpaSkip('StatefulSet/shop/carts-db')?.reason).toBe('not-eligible');
    // overcommit: Koordinator's ConfigMap, edited inside its block scalars: the two thresholds and
    // the ratio changed, the mid and batch caps added (4 lines)
    const slo = doc.clusters[0]!.recommendations.find((r) => r.analyzer === 'overcommit')!;
    expect(slo.render).toEqual({
      status: 'rendered',
      files: ['clusters/demo/koordinator/slo-controller-config.yaml'],
    });
    const diff = readFileSync(join(outDir, 'changes.diff'), 'utf8');
    const section = diff.slice(diff.indexOf('diff --git a/clusters/demo/koordinator/'));
    const changed = section
      .slice(0, section.indexOf('\ndiff --git', 1) > 0 ? section.indexOf('\ndiff --git', 1) : undefined)
      .split('\n')
      .filter((l) => /^[-+]\s/.test(l));
    expect(changed.length).toBeLessThanOrEqual(10);
    expect(changed.filter((l) => /"(mid|batch)(CPU|Memory)ThresholdPercent"/.test(l))).toHaveLength(4);
    // every recommendation carries its evidence
    for (const r of doc.clusters[0]!.recommendations) {
      expect(r.evidence.confidence?.days).toBeGreaterThan(13);
      expect(r.evidence.why.length).toBeGreaterThan(20);
    }
  });

  it("holds no objects that contradict each other: web's ScaledObject carries the HPA floor the PR accepts", () => {
    const recs = doc.clusters[0]!.recommendations;
    expect(recs.filter((r) => r.render.status === 'failed')).toEqual([]);
    expect(doc.clusters[0]!.skipped.filter((s) => s.reason === 'contradiction')).toEqual([]);
    const tune = recs.find((r) => r.workload === 'Deployment/shop/web' && r.analyzer === 'hpa')!;
    expect(tune.decision).toBe('accepted');
    const hpaField = (name: string) => tune.fields.find((f) => f.path === `spec.${name}`);
    expect(hpaField('minReplicas')).toMatchObject({ current: 3, proposed: 2 });
    // The new ScaledObject, as the diff adds it: the floor 2 and the live ceiling 10 of the HPA it owns.
    const diff = readFileSync(join(outDir, 'changes.diff'), 'utf8');
    const start = diff.indexOf('+++ b/clusters/demo/shop/tidemark-scaledobject-web.yaml');
    const end = diff.indexOf('\ndiff --git', start);
    const added = diff
      .slice(start, end > 0 ? end : undefined)
      .split('\n')
      .filter((l) => l.startsWith('+') && !l.startsWith('+++'))
      .map((l) => l.slice(1))
      .join('\n');
    const scaled = parse(added) as { spec: { minReplicaCount: number; maxReplicaCount: number } };
    expect(scaled.spec).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 10 });
  });

  it('edits the cluster overlay, never the shared base, and kustomize still builds the new values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbuild-'));
    cpSync(ws.repo, dir, { recursive: true });
    for (const line of readFileSync(join(outDir, 'changes.diff'), 'utf8').split('\n'))
      expect(line).not.toMatch(/^\+\+\+ b\/bases\//);
    execFileSync('git', ['apply', join(outDir, 'changes.diff')], { cwd: dir });
    const built = execFileSync('kubectl', ['kustomize', join(dir, 'clusters/demo/shop')], {
      encoding: 'utf8',
    });
    const cart = built
      .split('\n---\n')
      .find((d) => /kind: Deployment/.test(d) && /\n  name: cart\n/.test(d))!;
    expect(cart).toMatch(/cpu: 800m/);
    expect(cart).toMatch(/memory: 1639Mi/);
    // The demo cluster schedules through KEDA: checkout's adopted HPA and web's live one become
    // ScaledObjects with cron and CPU triggers (web's by ownership transfer, its HPA left as it is)
    const docs = built.split('\n---\n');
    const scaled = (name: string) =>
      parse(docs.find((d) => /kind: ScaledObject/.test(d) && new RegExp(`\n  name: ${name}\n`).test(d))!);
    const web = scaled('web');
    expect(web.metadata.annotations).toEqual({ 'scaledobject.keda.sh/transfer-hpa-ownership': 'true' });
    expect(web.spec.advanced.horizontalPodAutoscalerConfig.name).toBe('web');
    expect(web.spec.triggers.map((t: { type: string }) => t.type)).toEqual(['cron', 'cpu']);
    expect(web.spec.triggers[0].metadata.timezone).toBe('Europe/Berlin');
    expect(scaled('checkout').spec.minReplicaCount).toBeGreaterThanOrEqual(2);
    expect(docs.some((d) => /kind: HorizontalPodAutoscaler/.test(d) && /\n  name: checkout\n/.test(d))).toBe(
      false,
    );
    const webHpa = docs.find((d) => /kind: HorizontalPodAutoscaler/.test(d) && /\n  name: web\n/.test(d))!;
    expect(webHpa).toMatch(/averageUtilization: 70/);
    // and Argo CD is told to leave checkout's replicas and web's HPA to KEDA
    const app = parse(readFileSync(join(dir, 'argocd/shop.yaml'), 'utf8'));
    expect(app.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    expect(app.spec.ignoreDifferences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'Deployment', name: 'checkout', jsonPointers: ['/spec/replicas'] }),
        expect.objectContaining({ kind: 'HorizontalPodAutoscaler', name: 'web', jsonPointers: ['/spec'] }),
      ]),
    );
    const prod = execFileSync('kubectl', ['kustomize', join(dir, 'clusters/prod/shop')], {
      encoding: 'utf8',
    });
    expect(prod).toMatch(/cpu: 1\n/); // the other cluster's cart keeps the base values
  });

  it("the cost board's stages on the demo: every stage before and after, as computed by hand", () => {
    const data = buildReport({
      plans: [{ file: join(outDir, 'plan.json'), doc }],
      periodSeconds: 30 * 86400,
    });
    const stage = (id: string) => data.stages.find((x) => x.stage === id)!;
    const H = 730;
    // Config prices: 0.031 a core-hour, 0.0042 a GiB-hour. The nodes: 48 cores, 186.03 GiB.
    expect(data.header.cost.now).toBeCloseTo((48 * 0.031 + (199751344128 / 2 ** 30) * 0.0042) * H, 2);
    // Overcommit: the general pool's 47.67 allocatable cores and 194954305536 B, ratios 1 → 1.1.
    const alloc = (47.67 * 0.031 + (194954305536 / 2 ** 30) * 0.0042) * H; // 1635.45
    expect(stage('overcommit').before.monthly).toBeCloseTo(alloc, 2);
    expect(stage('overcommit').after.monthly).toBeCloseTo(alloc * 1.1, 2);
    expect(stage('overcommit').saving.now).toBe(0);
    // Scale-down: one of 3 nodes, freeing 15.89 cores and 64984768512 B (pr.md), at config prices.
    const freed = (15.89 * 0.031 + (64984768512 / 2 ** 30) * 0.0042) * H; // 545.15
    expect(stage('scaledown').before.detail).toBe('3 node(s)');
    expect(stage('scaledown').after.detail).toBe('2 node(s)');
    expect(stage('scaledown').saving.now).toBeCloseTo(freed, 2);
    // Placement: web's burst buffer, 44.00/month of nodes against 3.80 of super node (its PR says so).
    expect([stage('placement').before.monthly, stage('placement').after.monthly]).toEqual([44, 3.8]);
    expect(stage('placement').saving.now).toBeCloseTo(40.2, 6);
    // Right-sizing: the plan's own total; autoscaling: fewer replicas, the saving their difference.
    expect(stage('rightsize').saving.now).toBeCloseTo(doc.clusters[0]!.summary.savings.total, 6);
    const auto = stage('autoscaling');
    expect(auto.workloads).toBe(2);
    expect(auto.after.monthly).toBeLessThan(auto.before.monthly);
    expect(auto.saving.now).toBeCloseTo(auto.before.monthly - auto.after.monthly, 6);
  });

  it('plans the same diff twice', async () => {
    const again = join(ws.dir, 'out2');
    expect((await run(['plan', '--config', ws.config, '--out', again])).code).toBe(0);
    expect(readFileSync(join(again, 'changes.diff'), 'utf8')).toBe(
      readFileSync(join(outDir, 'changes.diff'), 'utf8'),
    );
  });

  it('applies as one commit on a new branch with trailers, and a plan on that branch proposes nothing', async () => {
    const git = simpleGit(ws.repo);
    const head = (await git.revparse(['HEAD'])).trim();
    const r = await run([
      'apply',
      '--config',
      ws.config,
      '--branch',
      'tidemark/rightsize',
      '--out',
      join(ws.dir, 'out3'),
    ]);
    expect(r.code).toBe(0);
    expect((await git.revparse(['HEAD'])).trim()).toBe(head); // the user's checkout is untouched
    expect((await git.status()).isClean()).toBe(true);
    const log = await git.log(['tidemark/rightsize', '-1', '--format=%B']);
    const body = await git.raw(['log', '-1', '--format=%B', 'tidemark/rightsize']);
    expect(log.total).toBe(1);
    expect(body).toMatch(
      /^chore\(tidemark\): right-size \+ autoscale \+ overcommit \+ place \d+ workloads in demo/,
    );
    expect(body).toMatch(/^Tidemark-Change: Deployment\/shop\/cart container\/cart\/requests\/cpu 1->800m$/m);
    expect(body).toMatch(/^Tidemark-Policy: /m);
    expect(await git.raw(['rev-list', '--count', `${head}..tidemark/rightsize`])).toBe('1\n');

    await git.checkout('tidemark/rightsize');
    const after = join(ws.dir, 'out4');
    expect((await run(['plan', '--config', ws.config, '--out', after])).code).toBe(0);
    expect(readFileSync(join(after, 'changes.diff'), 'utf8')).toBe('');
    const plan = JSON.parse(readFileSync(join(after, 'plan.json'), 'utf8')) as PlanDocument;
    // What the branch proposes again for workloads the commit changed finds Git ahead of the cluster
    // and is left alone; nothing else is (4 such workloads since keepShare 0.1 and decreaseAtLeast; 5 before).
    const committed = new Set([...body.matchAll(/^Tidemark-Change: (\S+) /gm)].map((m) => m[1]));
    const mismatched = plan.clusters[0]!.skipped.filter((s) => s.reason === 'git-live-mismatch');
    expect(mismatched.length).toBeGreaterThanOrEqual(4);
    for (const s of mismatched) expect(committed.has(s.workload)).toBe(true);
    // The cut just committed to cart's CPU (its trailer in that branch's history) is not proposed
    // again within 5 days: the policy holds it before render (minChange.holdDecreases).
    const cart = plan.clusters[0]!.recommendations.find((r) => r.workload === 'Deployment/shop/cart')!;
    expect(cart.outcomes).toContainEqual(
      expect.objectContaining({
        rule: 'min-change',
        reason: expect.stringMatching(/a cut waits 5d after a change$/),
      }),
    );
    await git.checkout('main');
  });

  it('refuses to apply onto an existing branch, leaving it as it was', async () => {
    const r = await run([
      'apply',
      '--config',
      ws.config,
      '--branch',
      'tidemark/rightsize',
      '--out',
      join(ws.dir, 'out5'),
    ]);
    expect(r.code).toBe(5);
  });
});

describe('e2e/bad-input', () => {
  let ws: DemoWorkspace;
  beforeAll(async () => {
    ws = await prepareDemoWorkspace();
  });

  const errOf = async (args: string[]): Promise<{ code: number; err: string }> => {
    const chunks: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    (process.stderr as { write: unknown }).write = (c: string): boolean => (chunks.push(String(c)), true);
    try {
      const { code } = await run(args);
      return { code, err: chunks.join('') };
    } finally {
      (process.stderr as { write: unknown }).write = orig;
    }
  };

  it('a missing config file: exit 2, names the file, writes nothing', async () => {
    const out = join(ws.dir, 'never');
    const r = await errOf(['plan', '--config', join(ws.dir, 'nope.yaml'), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nope\.yaml: config file not found/);
    expect(existsSync(out)).toBe(false);
  });

  it('a config field that does not exist, and malformed YAML: exit 2 with file and field', async () => {
    const bad = join(ws.dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(ws.config, 'utf8').replace('prices:', 'pricez:'));
    const r = await errOf(['plan', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.yaml: Pipeline: pricez: is not a known field/);
    writeFileSync(bad, 'apiVersion: tidemark.io/v1alpha1\nkind: [Pipeline\n');
    const m = await errOf(['plan', '--config', bad]);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/bad\.yaml: malformed YAML at line \d+/);
  });

  it('a truncated metrics file: exit 2 naming the file, and no output', async () => {
    const om = join(ws.dir, 'metrics.om');
    writeFileSync(
      om,
      readFileSync(om, 'utf8')
        .slice(0, 50_000_000)
        .replace(/\n[^\n]*$/, '\n'),
    );
    const out = join(ws.dir, 'never2');
    const r = await errOf(['plan', '--config', ws.config, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/metrics\.om: line \d+: the file does not end with # EOF/);
    expect(existsSync(out)).toBe(false);
  });
});
