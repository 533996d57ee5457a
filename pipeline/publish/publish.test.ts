import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { startGitRemote, type GitRemote } from '../testing/git-remote.js';
import { startFakeGitHub, type FakeGitHub } from '../testing/github-fake/server.js';
import { createMemoryLogger } from '../core/logger.js';
import { systemClock } from '../core/clock.js';
import { clearRegisteredSecrets } from '../core/sanitize.js';
import { publishPlan, DEFAULT_SETTINGS, type PublishSettings, type PublishInput } from './publish.js';
import { createGitHubPlatform } from './platform/github/platform.js';
import { decodeMarker } from './pr/marker.js';
import type { ClusterPlanResult } from '../plan/run.js';
import type { PlanDocument } from '../plan/plan-document.js';
import type { WorkloadChange } from '../plan/types.js';
import type { RenderResult, FileEdit } from '../render/types.js';
import type { Skipped } from '../analyze/types.js';
import { allowSlowTests } from '../testing/slow.js';

allowSlowTests();

const TOKEN = 'ghs_publishtesttoken_abcdef0123456789';
const OWNER = 'acme';
const REPO = 'gitops';

/**
 * A tiny GitOps repo: one file per workload holding its cpu request. The render callback edits
 * that one line, like the real renderer, so each scenario exercises real git and the real PR API.
 */
function manifest(name: string, cpu: string): string {
  return `# ${name}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          resources:\n            requests:\n              cpu: ${cpu}\n`;
}

function change(name: string, from: string, to: string): WorkloadChange {
  const workload = `Deployment/shop/${name}`;
  const field = {
    object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name },
    path: ['spec', 'template', 'spec', 'containers', { name }, 'resources', 'requests', 'cpu'],
    current: from,
    proposed: to,
    analyzer: 'rightsize' as const,
    recommendation: `rightsize:${workload}:container ${name}`,
  };
  return {
    cluster: 'demo',
    workload,
    fields: [field],
    objects: [],
    handOver: [],
    recommendations: [
      {
        id: field.recommendation,
        analyzer: 'rightsize',
        workload,
        subject: `container ${name}`,
        fields: [field],
        objects: [],
        evidence: {
          window: { start: 0, end: 86400 * 14 },
          samples: 4032,
          ooms: 0,
          why: `usage P90 fits ${to}`,
        },
        risk: 'low',
        decision: 'accepted',
        outcomes: [],
        proposedFields: [field],
      },
    ],
  };
}

function fakeRun(
  changes: WorkloadChange[],
  opts: { skipped?: Skipped[]; workloads?: string[]; model?: Record<string, unknown> } = {},
): { clusters: ClusterPlanResult[]; doc: PlanDocument } {
  const workloads = new Map(
    (opts.workloads ?? changes.map((c) => c.workload)).map((w) => [w, { key: w } as never]),
  );
  const cluster = {
    cluster: { name: 'demo' },
    model: { workloads, pods: new Map(), ooms: [], hpas: [], ...opts.model },
    changes,
    decided: changes.flatMap((c) => c.recommendations),
    skipped: opts.skipped ?? [],
    render: {
      edits: [],
      skipped: [],
      locations: new Map(),
      rendered: new Map(changes.map((c) => [c.workload, ['x']])),
    },
  } as unknown as ClusterPlanResult;
  const doc = {
    apiVersion: 'tidemark.io/v1alpha1',
    kind: 'Plan',
    tidemarkVersion: 'test',
    prices: { cpuCoreHour: 0.03, memoryGiBHour: 0.004, currency: 'USD' },
    clusters: [
      {
        name: 'demo',
        at: '2026-01-01T00:00:00Z',
        window: { start: '2026-01-01T00:00:00Z', end: '2026-01-15T00:00:00Z', step: 300 },
        recommendations: changes.flatMap((c) =>
          c.recommendations.map((r) => ({
            id: r.id,
            analyzer: r.analyzer,
            workload: r.workload,
            subject: r.subject,
            decision: r.decision,
            outcomes: [],
            fields: r.fields.map((f) => ({
              object: `Deployment/shop/${r.workload.split('/')[2]}`,
              path: 'spec.template.spec.containers[name=x].resources.requests.cpu',
              current: f.current,
              proposed: f.proposed,
            })),
            risk: r.risk,
            evidence: r.evidence,
            savings: { cpu: 1, memory: 0, total: 1, cores: 0.1, bytes: 0 },
            render: { status: 'rendered', files: ['x'] },
          })),
        ),
        skipped: opts.skipped ?? [],
        changes: [],
        summary: {
          recommendations: 0,
          accepted: 0,
          clamped: 0,
          rejected: 0,
          skipped: 0,
          workloadsChanged: 0,
          savings: { cpu: 0, memory: 0, total: 0, cores: 0, bytes: 0 },
        },
        sources: { metrics: { queries: 0, series: 0, samples: 0, bytes: 0 } },
      },
    ],
    run: { stagesMs: {} },
  } as unknown as PlanDocument;
  return { clusters: [cluster], doc };
}

async function renderIntoCheckout(
  _c: ClusterPlanResult,
  changes: WorkloadChange[],
  dir: string,
): Promise<RenderResult> {
  const edits: FileEdit[] = [];
  const rendered = new Map<string, string[]>();
  for (const ch of changes) {
    const name = ch.workload.split('/')[2]!;
    const path = `apps/${name}.yaml`;
    const before = readFileSync(join(dir, path), 'utf8');
    const f = ch.fields[0]!;
    const after = before.replace(`cpu: ${String(f.current)}\n`, `cpu: ${String(f.proposed)}\n`);
    if (after !== before) {
      edits.push({ path, before, after, workloads: [ch.workload] });
      rendered.set(ch.workload, [path]);
    }
  }
  return { edits, skipped: [], locations: new Map(), rendered, handOverNotes: new Map() };
}

describe('publish/publish', () => {
  let git: GitRemote;
  let gh: FakeGitHub;
  let seed: string;
  let seedPushes = 0;
  const logger = createMemoryLogger('debug');

  const settings = (over: Partial<PublishSettings> = {}): PublishSettings => ({
    ...DEFAULT_SETTINGS,
    owner: OWNER,
    repo: REPO,
    prHourlyLimit: 10,
    labels: ['tidemark'],
    reviewers: ['alice'],
    ...over,
  });

  function input(
    changes: WorkloadChange[],
    over: Partial<PublishInput> = {},
    s: Partial<PublishSettings> = {},
    runOpts: Parameters<typeof fakeRun>[1] = {},
  ): PublishInput {
    const { clusters, doc } = fakeRun(changes, runOpts);
    return {
      settings: settings(s),
      platform: createGitHubPlatform({
        owner: OWNER,
        repo: REPO,
        baseUrl: gh.url,
        token: TOKEN,
        logger,
        retries: 3,
        writeSpacingMs: 0,
        retryAfterUnitMs: 50,
      }),
      clusters,
      doc,
      render: renderIntoCheckout,
      unifiedDiff: (e) => e.map((x) => x.path).join('\n'),
      logger,
      clock: systemClock,
      dryRun: 'none',
      ...over,
    };
  }

  async function humanCommit(
    branch: string,
    file: string,
    content: string,
    email = 'bob@example.com',
  ): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'human-'));
    const url = git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`);
    await simpleGit().clone(url, dir, ['--branch', branch]);
    writeFileSync(join(dir, file), content);
    const g = simpleGit({ baseDir: dir, config: [`user.name=Bob`, `user.email=${email}`] });
    await g.add('.').commit('human tweak');
    await g.push('origin', branch);
  }

  beforeEach(async () => {
    clearRegisteredSecrets();
    git = await startGitRemote({ token: TOKEN });
    gh = await startFakeGitHub({
      git,
      maxPerPage: 2,
      tokens: { [TOKEN]: { login: 'tidemark[bot]', type: 'Bot' } },
    });
    gh.addRepo(OWNER, REPO);
    seed = mkdtempSync(join(tmpdir(), 'seed-'));
    const g = simpleGit({ baseDir: seed, config: ['user.name=Platform', 'user.email=platform@example.com'] });
    await g.init(['-q', '-b', 'main']);
    for (const n of ['web', 'cart', 'api', 'db']) {
      const p = join(seed, 'apps', `${n}.yaml`);
      await import('node:fs').then((fs) => fs.mkdirSync(join(seed, 'apps'), { recursive: true }));
      writeFileSync(p, manifest(n, '500m'));
    }
    await g.add('.').commit('init');
    await g.push(git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`), 'main');
    seedPushes = git.pushCount();
    logger.lines.length = 0;
  });
  afterEach(async () => {
    gh.assertNoViolations();
    await gh.close();
    await git.close();
  });

  it('opens one PR on the first run; an identical second run pushes nothing and patches nothing', async () => {
    const r1 = await publishPlan(input([change('web', '500m', '250m')]));
    expect(r1.outcomes.map((o) => o.action)).toEqual(['created']);
    const pulls = gh.repo(OWNER, REPO).pulls;
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.head).toBe('tidemark/demo/shop-deployment-web');
    expect(pulls[0]!.labels).toEqual(['tidemark']);
    expect(pulls[0]!.reviewers).toEqual(['alice']);
    expect(decodeMarker(pulls[0]!.body)?.fields).toEqual({
      'Deployment/shop/web#container/web/requests/cpu': '250m',
    });
    const pushes = git.pushCount();
    const writes = gh.writes().length;

    const r2 = await publishPlan(input([change('web', '500m', '250m')]));
    expect(r2.outcomes.map((o) => o.action)).toEqual(['unchanged']);
    expect(git.pushCount()).toBe(pushes);
    expect(gh.writes().length).toBe(writes);
  });

  it('updates the same PR when the recommendation changes', async () => {
    await publishPlan(input([change('web', '500m', '250m')]));
    const r = await publishPlan(input([change('web', '500m', '300m')]));
    expect(r.outcomes[0]).toMatchObject({ action: 'updated', pull: 1 });
    const pulls = gh.repo(OWNER, REPO).pulls;
    expect(pulls).toHaveLength(1);
    expect(decodeMarker(pulls[0]!.body)?.fields['Deployment/shop/web#container/web/requests/cpu']).toBe(
      '300m',
    );
    const dir = mkdtempSync(join(tmpdir(), 'check-'));
    await simpleGit().clone(git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`), dir, [
      '--branch',
      'tidemark/demo/shop-deployment-web',
    ]);
    expect(readFileSync(join(dir, 'apps/web.yaml'), 'utf8')).toContain('cpu: 300m');
    expect((await simpleGit(dir).log()).total).toBe(2); // base + exactly one commit of ours
  });

  it('stops touching a branch a human committed to, with one comment edited rather than repeated, until the rebase label', async () => {
    await publishPlan(input([change('web', '500m', '250m')]));
    await humanCommit('tidemark/demo/shop-deployment-web', 'apps/web.yaml', manifest('web', '275m'));
    const pushes = git.pushCount();
    const r1 = await publishPlan(input([change('web', '500m', '300m')]));
    const r2 = await publishPlan(input([change('web', '500m', '310m')]));
    expect([r1.outcomes[0]!.action, r2.outcomes[0]!.action]).toEqual([
      'blocked-human-edit',
      'blocked-human-edit',
    ]);
    expect(git.pushCount()).toBe(pushes);
    expect(gh.repo(OWNER, REPO).comments.filter((c) => c.body.includes('Edited/blocked'))).toHaveLength(1);

    gh.human.addLabel(OWNER, REPO, 1, 'tidemark:rebase');
    const r3 = await publishPlan(input([change('web', '500m', '300m')]));
    expect(r3.outcomes[0]!.action).toBe('updated');
    expect(git.pushCount()).toBe(pushes + 1);
    expect(gh.repo(OWNER, REPO).pulls[0]!.labels).not.toContain('tidemark:rebase');
  });

  it('does not count GitHub\'s "Update branch" commits (noreply@github.com) as human edits', async () => {
    await publishPlan(input([change('web', '500m', '250m')]));
    await humanCommit(
      'tidemark/demo/shop-deployment-web',
      'apps/cart.yaml',
      manifest('cart', '500m') + '# merged base\n',
      'noreply@github.com',
    );
    const r = await publishPlan(input([change('web', '500m', '300m')]));
    expect(r.outcomes[0]!.action).toBe('updated');
  });

  it('never reopens a PR a human closed, until the recommendation changes materially', async () => {
    await publishPlan(input([change('web', '500m', '250m')]));
    gh.human.closePull(OWNER, REPO, 1);
    const same = await publishPlan(input([change('web', '500m', '260m')])); // 4% away: not material
    expect(same.outcomes[0]!.action).toBe('not-wanted');
    expect(gh.repo(OWNER, REPO).pulls).toHaveLength(1);
    const material = await publishPlan(input([change('web', '500m', '150m')]));
    expect(material.outcomes[0]!.action).toBe('created');
    expect(gh.repo(OWNER, REPO).pulls).toHaveLength(2);
  });

  it('closes its unmodified PR when complete data finds no change, but a metrics gap closes nothing', async () => {
    await publishPlan(input([change('web', '500m', '250m')]));
    const gap = await publishPlan(
      input(
        [],
        {},
        {},
        {
          workloads: ['Deployment/shop/web'],
          skipped: [
            {
              analyzer: 'rightsize',
              workload: 'Deployment/shop/web',
              reason: 'no-metrics',
              detail: 'no samples in the window',
            },
          ],
        },
      ),
    );
    expect(gap.outcomes).toEqual([expect.objectContaining({ action: 'kept', pull: 1 })]);
    expect(gh.repo(OWNER, REPO).pulls[0]!.state).toBe('open');

    const gone = await publishPlan(input([], {}, {}, { workloads: ['Deployment/shop/web'] }));
    expect(gone.outcomes).toEqual([expect.objectContaining({ action: 'closed', pull: 1 })]);
    const pr = gh.repo(OWNER, REPO).pulls[0]!;
    expect(pr.state).toBe('closed');
    expect(decodeMarker(pr.body)?.closedByTidemark).toMatch(/no change needed/);
    expect(existsSync(join(git.bareDir(OWNER, REPO), 'refs/heads/tidemark/demo/shop-deployment-web'))).toBe(
      false,
    );
    // Closed by us, so a later recommendation is proposed again at once.
    const again = await publishPlan(input([change('web', '500m', '250m')]));
    expect(again.outcomes[0]!.action).toBe('created');
  });

  async function commitToBase(edit: (content: string) => string): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'base-'));
    await simpleGit().clone(git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`), dir);
    writeFileSync(join(dir, 'apps/web.yaml'), edit(readFileSync(join(dir, 'apps/web.yaml'), 'utf8')));
    await simpleGit({ baseDir: dir, config: ['user.name=P', 'user.email=p@example.com'] })
      .add('.')
      .commit('team edit')
      .push('origin', 'main');
  }

  it('does not push a branch that is merely behind a base it still merges onto (no CI storms)', async () => {
    await publishPlan(input([change('web', '500m', '250m')]));
    await commitToBase((c) => c.replace('# web', '# web (owned by team shop)'));
    const pushes = git.pushCount();
    const r = await publishPlan(input([change('web', '500m', '250m')]));
    expect(r.outcomes[0]!.action).toBe('unchanged');
    expect(git.pushCount()).toBe(pushes);
  });

  it('regenerates from the new base, as one commit and never a merge, when the base conflicts', async () => {
    await publishPlan(input([change('web', '500m', '250m')]));
    await commitToBase((c) =>
      c.replace('            requests:\n', '            requests: # sized by Tidemark\n'),
    );
    const r = await publishPlan(input([change('web', '500m', '250m')]));
    expect(r.outcomes[0]!.action).toBe('updated');
    const check = mkdtempSync(join(tmpdir(), 'check-'));
    await simpleGit().clone(git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`), check, [
      '--branch',
      'tidemark/demo/shop-deployment-web',
    ]);
    const content = readFileSync(join(check, 'apps/web.yaml'), 'utf8');
    expect(content).toContain('requests: # sized by Tidemark');
    expect(content).toContain('cpu: 250m');
    const log = await simpleGit(check).log();
    expect(log.total).toBe(3); // init, the team's edit, and exactly one commit of ours
    expect(log.all.map((c) => c.message)).not.toContainEqual(expect.stringMatching(/^Merge/));
  });

  it('holds the concurrency and hourly limits across runs, counted from GitHub', async () => {
    const s = { prConcurrentLimit: 2, prHourlyLimit: 10 };
    const r1 = await publishPlan(
      input(
        [change('web', '500m', '250m'), change('cart', '500m', '250m'), change('api', '500m', '250m')],
        {},
        s,
      ),
    );
    expect(r1.outcomes.map((o) => o.action).sort()).toEqual(['created', 'created', 'limited']);
    const r2 = await publishPlan(
      input(
        [change('web', '500m', '250m'), change('cart', '500m', '250m'), change('api', '500m', '250m')],
        {},
        s,
      ),
    );
    expect(r2.outcomes.filter((o) => o.action === 'limited')).toHaveLength(1);
    expect(gh.repo(OWNER, REPO).pulls).toHaveLength(2);
    const hourly = await publishPlan(
      input([change('db', '500m', '250m')], {}, { prConcurrentLimit: 10, prHourlyLimit: 2 }),
    );
    expect(hourly.outcomes[0]).toMatchObject({
      action: 'limited',
      detail: expect.stringMatching(/this hour/),
    });
    // More than one page of PRs (the fake serves 2 per page): every one of ours is still found.
    expect(
      gh.calls.some((c) => c.operationId === 'pulls/list' && /page=2/.test(c.path + JSON.stringify(c))),
    ).toBeDefined();
  });

  it('writes nothing in either dry-run mode', async () => {
    const full = await publishPlan(input([change('web', '500m', '250m')], { dryRun: 'full' }));
    expect(full.writes.map((w) => w.action)).toEqual(['push', 'create pull request']);
    expect(full.writes.every((w) => !w.done)).toBe(true);
    const plan = await publishPlan(input([change('web', '500m', '250m')], { dryRun: 'plan' }));
    expect(plan.previews[0]).toMatchObject({
      branch: 'tidemark/demo/shop-deployment-web',
      diff: 'apps/web.yaml',
    });
    expect(plan.previews[0]!.body).toContain('250m');
    expect(gh.writes()).toEqual([]);
    expect(git.pushCount()).toBe(seedPushes);
    expect(logger.records().filter((r) => r.msg === 'would write (dry run)').length).toBeGreaterThan(0);
  });

  it('retries 5xx and rate limits, and never prints the token', async () => {
    gh.inject({ method: 'POST', path: /\/pulls$/, status: 502, body: { message: 'Server Error' } });
    gh.inject({
      method: 'GET',
      path: /\/pulls$/,
      status: 429,
      headers: { 'retry-after': '1' },
      body: {
        message: 'You have exceeded a secondary rate limit.',
        documentation_url: 'https://docs.github.com/rest',
      },
    });
    const r = await publishPlan(input([change('web', '500m', '250m')]));
    expect(r.outcomes[0]!.action).toBe('created');
    expect(
      gh.calls.filter((c) => c.method === 'POST' && c.operationId === 'pulls/create').map((c) => c.status),
    ).toEqual([502, 201]);
    expect(logger.lines.join('\n')).not.toContain(TOKEN);
  });

  it('fails clearly on a bad token, pushing no branch and printing no token', async () => {
    const bad = 'ghp_wrongtoken_9876543210fedcba';
    const i = input([change('web', '500m', '250m')]);
    i.platform = createGitHubPlatform({
      owner: OWNER,
      repo: REPO,
      baseUrl: gh.url,
      token: bad,
      logger,
      retries: 0,
      writeSpacingMs: 0,
    });
    const err = await publishPlan(i).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/HTTP 401 Bad credentials/);
    expect((err as Error).message).not.toContain(bad);
    expect(git.pushCount()).toBe(seedPushes);
    expect(gh.repo(OWNER, REPO).pulls).toHaveLength(0);
  });

  describe('after merge', () => {
    /** Merges the PR the way GitHub's merge button does: a merge commit on main, then the API state. */
    async function mergeOnGitHub(number: number, branch: string): Promise<void> {
      const dir = mkdtempSync(join(tmpdir(), 'merge-'));
      const url = git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`);
      await simpleGit().clone(url, dir, ['--branch', 'main']);
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

    /** The web pod OOM-killed `secondsAfter` from now (after the merge). */
    const oomModel = (secondsAfter: number) => ({
      pods: new Map([
        [
          'shop/web-7d9f8c6b5-aaaaa',
          { namespace: 'shop', name: 'web-7d9f8c6b5-aaaaa', workload: 'Deployment/shop/web', statuses: [] },
        ],
      ]),
      ooms: [
        {
          namespace: 'shop',
          pod: 'web-7d9f8c6b5-aaaaa',
          container: 'web',
          time: Date.now() / 1000 + secondsAfter,
          source: 'snapshot',
        },
      ],
    });

    it('opens one priority revert PR on a regression, outside the limits, and never a second', async () => {
      await publishPlan(input([change('web', '500m', '250m')]));
      await mergeOnGitHub(1, 'tidemark/demo/shop-deployment-web');
      // limits that would hold any normal PR
      const limits = { prConcurrentLimit: 1, prHourlyLimit: 1 };
      const r = await publishPlan(
        input([change('cart', '500m', '400m')], {}, limits, { model: oomModel(5) }),
      );
      // the hourly limit holds cart's PR back; the revert goes anyway
      expect(r.outcomes.map((o) => o.action).sort()).toEqual(['limited', 'revert-opened']);
      const pulls = gh.repo(OWNER, REPO).pulls;
      const revert = pulls.find((p) => p.head === 'tidemark/demo/revert-pr-1')!;
      expect(revert.title).toBe('revert(tidemark): #1 — regression after merge (demo)');
      expect(revert.labels).toEqual(['tidemark', 'tidemark:revert']);
      expect(revert.body).toMatch(/`Deployment\/shop\/web`: 1 OOM kill\(s\) since the merge \(web;/);
      expect(decodeMarker(revert.body)?.revertOf).toBe(1);
      // the branch holds exactly the revert: web back at 500m, and the trailer later runs read
      const check = mkdtempSync(join(tmpdir(), 'check-'));
      await simpleGit().clone(git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`), check, [
        '--branch',
        'tidemark/demo/revert-pr-1',
      ]);
      expect(readFileSync(join(check, 'apps/web.yaml'), 'utf8')).toBe(manifest('web', '500m'));
      const head = await simpleGit(check).raw(['log', '-1', '--format=%B']);
      expect(head).toMatch(/^Tidemark-Change: Deployment\/shop\/web revert -->pr-1$/m);
      // the merged PR links to it, once
      expect(gh.repo(OWNER, REPO).comments.filter((c) => c.issue === 1)).toHaveLength(1);
      // the next run sees the open revert: no second PR, no push
      const pushes = git.pushCount();
      const again = await publishPlan(input([], {}, limits, { model: oomModel(5) }));
      expect(again.outcomes.find((o) => o.action.startsWith('revert'))).toMatchObject({
        action: 'revert-exists',
        pull: revert.number,
      });
      expect(
        gh.repo(OWNER, REPO).pulls.filter((p) => p.head.startsWith('tidemark/demo/revert')),
      ).toHaveLength(1);
      expect(git.pushCount()).toBe(pushes);
      // and the open revert is never closed as "no longer needed"
      expect(gh.repo(OWNER, REPO).pulls.find((p) => p.number === revert.number)!.state).toBe('open');
    });

    it('opens nothing for a healthy merge, or for trouble that came before the merge', async () => {
      await publishPlan(input([change('web', '500m', '250m')]));
      await mergeOnGitHub(1, 'tidemark/demo/shop-deployment-web');
      const healthy = await publishPlan(input([]));
      expect(healthy.outcomes).toEqual([expect.objectContaining({ action: 'watched', pull: 1 })]);
      const before = await publishPlan(input([], {}, {}, { model: oomModel(-3600) }));
      expect(before.outcomes.map((o) => o.action)).toEqual(['watched']);
      expect(gh.repo(OWNER, REPO).pulls).toHaveLength(1);
    });

    it('writes no revert in a dry run', async () => {
      await publishPlan(input([change('web', '500m', '250m')]));
      await mergeOnGitHub(1, 'tidemark/demo/shop-deployment-web');
      const pushes = git.pushCount();
      const writes = gh.writes().length;
      const dry = await publishPlan(input([], { dryRun: 'full' }, {}, { model: oomModel(5) }));
      expect(dry.outcomes.map((o) => o.action)).toEqual(['revert-opened']);
      expect(dry.writes.map((w) => w.action)).toEqual(['push', 'create pull request']);
      expect(git.pushCount()).toBe(pushes);
      expect(gh.writes().length).toBe(writes);
    });
  });
});
