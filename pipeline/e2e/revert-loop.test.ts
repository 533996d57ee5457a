/**
 * The post-merge loop end to end on the demo: `tidemark run` opens a PR cutting a workload's
 * requests, it is merged, the watch sees a regression and opens a revert PR, the revert is merged,
 * and the next `tidemark run` reads the revert from the repository history and holds every cut for
 * that workload (policy rule after-revert in policies/defaults). Real git remote (smart HTTP), the
 * contract-checked GitHub fake, the real planner.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { main } from '../cli/main.js';
import { planToOutputs } from '../cli/commands/plan.js';
import { prepareDemoWorkspace, type DemoWorkspace } from '../cli/demo-workspace.js';
import { loadConfig } from '../config/load.js';
import { createMemoryLogger } from '../core/logger.js';
import { systemClock } from '../core/clock.js';
import { clearRegisteredSecrets } from '../core/sanitize.js';
import { startGitRemote, type GitRemote } from '../testing/git-remote.js';
import { startFakeGitHub, type FakeGitHub } from '../testing/github-fake/server.js';
import { allowSlowTests } from '../testing/slow.js';
import { publishSettingsFrom } from '../publish/settings.js';
import { createGitHubPlatform } from '../publish/platform/github/platform.js';
import { openWorkspace } from '../publish/git/workspace.js';
import { createWriteGate } from '../publish/write-gate.js';
import { watchMerged } from '../publish/watch.js';
import { decodeMarker } from '../publish/pr/marker.js';
import type { PlanDocument, PlanRecommendationJson } from '../plan/plan-document.js';

allowSlowTests();

const TOKEN = 'ghp_revertLOOPtoken0123456789';
const OWNER = 'platform';
const REPO = 'gitops';
const WORKLOAD = 'Deployment/batch/report-worker';

describe('e2e/a reverted change makes later recommendations for the workload conservative', () => {
  let ws: DemoWorkspace;
  let git: GitRemote;
  let gh: FakeGitHub;
  const logger = createMemoryLogger('info');
  const authed = (): string => git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`);

  async function run(out: string): Promise<PlanDocument> {
    const code = await main(['run', '--config', ws.config, '--out', join(ws.dir, out)], {
      stdout: () => undefined,
      logger,
    });
    expect(code).toBe(0);
    return JSON.parse(readFileSync(join(ws.dir, out, 'plan.json'), 'utf8')) as PlanDocument;
  }

  /** GitHub's merge button: a merge commit on main, then the API state. */
  async function merge(number: number, branch: string): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'revert-loop-merge-'));
    await simpleGit().clone(authed(), dir, ['--branch', 'main']);
    const g = simpleGit({ baseDir: dir, config: ['user.name=GitHub', 'user.email=noreply@github.com'] });
    await g.fetch('origin', branch);
    await g.raw([
      'merge',
      '--no-ff',
      '-m',
      `Merge pull request #${number} from ${OWNER}/${branch}`,
      'FETCH_HEAD',
    ]);
    await g.push('origin', 'main');
    gh.human.mergePull(OWNER, REPO, number);
  }

  const recOf = (doc: PlanDocument): PlanRecommendationJson =>
    doc.clusters[0]!.recommendations.find((r) => r.analyzer === 'rightsize' && r.workload === WORKLOAD)!;

  beforeAll(async () => {
    ws = await prepareDemoWorkspace();
    git = await startGitRemote({ token: TOKEN });
    git.createRepo(OWNER, REPO);
    gh = await startFakeGitHub({ git, tokens: { [TOKEN]: { login: 'tidemark[bot]', type: 'Bot' } } });
    gh.addRepo(OWNER, REPO);
    await simpleGit(ws.repo).push(authed(), 'main');
    appendFileSync(
      ws.config,
      [
        'publish:',
        '  github:',
        `    owner: ${OWNER}`,
        `    repo: ${REPO}`,
        `    apiUrl: ${gh.url}`,
        '    auth: { tokenEnv: TIDEMARK_REVERT_LOOP_TOKEN }',
        '    prHourlyLimit: 0',
        '',
      ].join('\n'),
    );
    process.env.TIDEMARK_REVERT_LOOP_TOKEN = TOKEN;
  });

  afterAll(async () => {
    delete process.env.TIDEMARK_REVERT_LOOP_TOKEN;
    clearRegisteredSecrets();
    gh.assertNoViolations();
    await gh.close();
    await git.close();
  });

  it('merges a cut, reverts it on a regression, and holds the next cut', async () => {
    // 1. The first run proposes cutting report-worker's requests in its own PR.
    const first = await run('o1');
    const cut = recOf(first);
    expect(cut.render.status).toBe('rendered');
    expect(cut.fields.map((f) => [f.path.split('.').pop(), f.current, f.proposed])).toEqual([
      ['cpu', '2', '1600m'],
      ['memory', '2Gi', '1639Mi'],
    ]);
    const pr = gh
      .repo(OWNER, REPO)
      .pulls.find((p) =>
        Object.keys(decodeMarker(p.body)?.fields ?? {}).some((k) => k.startsWith(`${WORKLOAD}#`)),
      )!;
    expect(pr.state).toBe('open');
    await merge(pr.number, pr.head);

    // 2. After the merge report-worker is OOM-killed: the watch opens a revert PR.
    const config = loadConfig(ws.config);
    const { outputs } = await planToOutputs(
      { logger, stdout: () => undefined },
      { config: ws.config, loaded: config, out: join(ws.dir, 'o2') },
    );
    const cluster = outputs.run.clusters[0]!;
    const pod = [...cluster.model.pods.values()].find((p) => p.workload === WORKLOAD)!;
    cluster.model.ooms.push({
      namespace: pod.namespace,
      pod: pod.name,
      container: pod.containers[0]!.name,
      time: Math.floor(Date.now() / 1000) + 5,
      source: 'snapshot',
    });
    const { settings } = publishSettingsFrom(config);
    const platform = createGitHubPlatform({
      owner: OWNER,
      repo: REPO,
      baseUrl: gh.url,
      token: TOKEN,
      logger,
      retries: 0,
      writeSpacingMs: 0,
    });
    const checkout = await openWorkspace({
      cloneUrl: git.repoUrl(OWNER, REPO),
      token: TOKEN,
      base: 'main',
      identity: settings.identity,
      branchPrefix: settings.branchPrefix,
    });
    let outcomes;
    try {
      outcomes = await watchMerged({
        settings,
        watch: settings.watch,
        platform,
        clusters: outputs.run.clusters,
        ws: checkout,
        gate: createWriteGate('none', logger),
        clock: systemClock,
        logger,
      });
    } finally {
      checkout.close();
    }
    const opened = outcomes.find((o) => o.action === 'revert-opened')!;
    expect(opened).toBeDefined();
    const revert = gh.repo(OWNER, REPO).pulls.find((p) => p.number === opened.pull)!;
    expect(decodeMarker(revert.body)?.revertOf).toBe(pr.number);
    expect(revert.body).toContain(`\`${WORKLOAD}\`: 1 OOM kill(s) since the merge`);

    // 3. A human merges the revert; the planner's checkout follows main.
    await merge(revert.number, revert.head);
    await simpleGit(ws.repo).raw(['pull', '-q', '--ff-only', authed(), 'main']);

    // 4. The next run reads the revert from the history: no cut for report-worker, and no PR.
    const before = gh.repo(OWNER, REPO).pulls.length;
    const nextDoc = await run('o3');
    const next = recOf(nextDoc);
    const held = next.outcomes.filter((o) => o.rule === 'after-revert' && o.field);
    expect(next.decision).toBe('rejected');
    expect(held.map((o) => [o.decision, o.field])).toEqual([
      ['rejected', expect.stringMatching(/cpu/)],
      ['rejected', expect.stringMatching(/memory/)],
    ]);
    expect(held[0]!.reason).toMatch(
      /reverted after a regression on \d{4}-\d{2}-\d{2} \(pr-\d+\): only increases until/,
    );
    expect(next.render).toEqual({ status: 'not-rendered', reason: 'policy-rejected' });
    expect(first.clusters[0]!.changes.map((c) => c.workload)).toContain(WORKLOAD);
    expect(nextDoc.clusters[0]!.changes.map((c) => c.workload)).not.toContain(WORKLOAD);
    const reopened = gh
      .repo(OWNER, REPO)
      .pulls.slice(before)
      .filter((p) =>
        Object.keys(decodeMarker(p.body)?.fields ?? {}).some((k) => k.startsWith(`${WORKLOAD}#`)),
      );
    expect(reopened).toEqual([]);
  }, 300_000);
});
