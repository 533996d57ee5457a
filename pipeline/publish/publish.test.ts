import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { simpleGit } from 'simple-git';
import { startGitRemote, type GitRemote } from '../testing/git-remote.js';
import { startFakeGitHub, type FakeGitHub } from '../testing/github-fake/server.js';
import { createMemoryLogger } from '../core/logger.js';
import { systemClock } from '../core/clock.js';
import { clearRegisteredSecrets } from '../core/sanitize.js';
import { publishPlan, DEFAULT_SETTINGS, type PublishSettings, type PublishInput } from './publish.js';
import { createGitHubPlatform } from './platform/github/platform.js';
import { decodeMarker, visibleBody } from './pr/marker.js';
import { githubPlatformFor } from './platform/github/from-settings.js';
import type { ResolvedPublish } from './settings.js';
import { ConfigError, PublishError } from '../core/errors.js';
import type { ClusterPlanResult } from '../plan/run.js';
import type { PlanDocument } from '../plan/plan-document.js';
import type { WorkloadChange } from '../plan/types.js';
import type { RenderResult, FileEdit } from '../render/types.js';
import type { Skipped } from '../analyze/types.js';
import { allowSlowTests } from '../testing/slow.js';

allowSlowTests();

const TOKEN = 'ghs_publishtesttoken_abcdef0123456789';
const REQUIRED_CI = {
  type: 'required_status_checks',
  parameters: {
    required_status_checks: [{ context: 'ci' }],
    strict_required_status_checks_policy: false,
  },
  ruleset_source_type: 'Repository',
  ruleset_source: 'acme/gitops',
  ruleset_id: 1,
};
const AUTOMERGE = { enabled: true, mergeMethod: 'SQUASH' as const, maxRisk: 'low' as const };
const OWNER = 'acme';
const REPO = 'gitops';

/**
 * A tiny GitOps repo: one file per workload holding its cpu request. The render callback edits
 * that one line, like the real renderer, so each scenario exercises real git and the real PR API.
 */
function manifest(name: string, cpu: string): string {
  return `# ${name}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          resources:\n            requests:\n              cpu: ${cpu}\n`;
}

function change(
  name: string,
  from: string,
  to: string,
  opts: { risk?: 'low' | 'medium' | 'high'; shiftHours?: number } = {},
): WorkloadChange {
  const shift = (opts.shiftHours ?? 0) * 3600;
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
          window: { start: shift, end: 86400 * 14 + shift },
          samples: 4032 + shift / 300,
          ooms: 0,
          why: `usage P90 fits ${to}`,
        },
        risk: opts.risk ?? 'low',
        decision: 'accepted',
        outcomes: [],
        proposedFields: [field],
      },
    ],
  };
}

function fakeRun(
  changes: WorkloadChange[],
  opts: {
    skipped?: Skipped[];
    workloads?: string[];
    model?: Record<string, unknown>;
    /** The local checkout a plan dry run renders on. */
    repoPath?: string;
  } = {},
): { clusters: ClusterPlanResult[]; doc: PlanDocument } {
  const workloads = new Map(
    (opts.workloads ?? changes.map((c) => c.workload)).map((w) => [w, { key: w } as never]),
  );
  const cluster = {
    cluster: { name: 'demo', repo: { path: opts.repoPath ?? '' } },
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
    const { clusters, doc } = fakeRun(changes, { repoPath: seed, ...runOpts });
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
    // The commit on the remote: the single-workload subject format and the policy trailer.
    const head = execFileSync(
      'git',
      [
        '--git-dir',
        git.bareDir(OWNER, REPO),
        'log',
        '-1',
        '--format=%B',
        'refs/heads/tidemark/demo/shop-deployment-web',
      ],
      { encoding: 'utf8' },
    ).split('\n');
    expect(head[0]).toBe('chore(tidemark): right-size shop/web cpu 500m→250m');
    expect(head).toContain('Tidemark-Policy: defaults');
    const pushes = git.pushCount();
    const writes = gh.writes().length;

    const r2 = await publishPlan(input([change('web', '500m', '250m')]));
    expect(r2.outcomes.map((o) => o.action)).toEqual(['unchanged']);
    expect(git.pushCount()).toBe(pushes);
    expect(gh.writes().length).toBe(writes);
  });

  it('updates the same PR when the recommendation changes, keeping user labels and requesting no reviewers again', async () => {
    await publishPlan(input([change('web', '500m', '250m')]));
    gh.human.addLabel(OWNER, REPO, 1, 'team-shop');
    const r = await publishPlan(input([change('web', '500m', '300m')]));
    expect(r.outcomes[0]).toMatchObject({ action: 'updated', pull: 1 });
    const pulls = gh.repo(OWNER, REPO).pulls;
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.labels).toEqual(['tidemark', 'team-shop']);
    const callsOf = (id: string): number => gh.calls.filter((c) => c.operationId === id).length;
    expect(callsOf('pulls/request-reviewers')).toBe(1); // on create only
    expect(callsOf('issues/remove-label')).toBe(0);
    expect(callsOf('pulls/update')).toBe(1);
    // A label of ours a user removed stays removed: the marker remembers we set it once.
    gh.human.removeLabel(OWNER, REPO, 1, 'tidemark');
    const r2 = await publishPlan(input([change('web', '500m', '200m')]));
    expect(r2.outcomes[0]).toMatchObject({ action: 'updated', pull: 1 });
    expect(pulls[0]!.labels).toEqual(['team-shop']);
    expect(callsOf('issues/add-labels')).toBe(1);
    expect(callsOf('pulls/request-reviewers')).toBe(1);
    expect(decodeMarker(pulls[0]!.body)?.fields['Deployment/shop/web#container/web/requests/cpu']).toBe(
      '200m',
    );
    const dir = mkdtempSync(join(tmpdir(), 'check-'));
    await simpleGit().clone(git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`), dir, [
      '--branch',
      'tidemark/demo/shop-deployment-web',
    ]);
    expect(readFileSync(join(dir, 'apps/web.yaml'), 'utf8')).toContain('cpu: 200m');
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
    expect(gh.calls.filter((c) => c.operationId === 'issues/update-comment')).toHaveLength(0);

    // The comment's text changes (another rebase label is configured): edited in place, not repeated.
    const r2b = await publishPlan(
      input([change('web', '500m', '310m')], {}, { rebaseLabel: 'tidemark:retake' }),
    );
    expect(r2b.outcomes[0]!.action).toBe('blocked-human-edit');
    const blocked = gh.repo(OWNER, REPO).comments.filter((c) => c.body.includes('Edited/blocked'));
    expect(blocked).toHaveLength(1);
    expect(blocked[0]!.body).toContain('`tidemark:retake`');
    expect(gh.calls.filter((c) => c.operationId === 'issues/update-comment')).toHaveLength(1);
    expect(gh.calls.filter((c) => c.operationId === 'issues/create-comment')).toHaveLength(1);

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
  });

  it('writes nothing in either dry-run mode, and --dry-run=full logs every write it would make', async () => {
    const repo = gh.repo(OWNER, REPO);
    repo.allowAutoMerge = true;
    repo.rules = [REQUIRED_CI];
    const full = await publishPlan(
      input([change('web', '500m', '250m')], { dryRun: 'full' }, { automerge: AUTOMERGE }),
    );
    expect(full.writes.map((w) => w.action)).toEqual([
      'push',
      'create pull request',
      'add labels',
      'request reviewers',
      'enable auto-merge',
    ]);
    expect(
      full.writes
        .slice(2)
        .every((w) => w.target === 'new pull request for tidemark/demo/shop-deployment-web'),
    ).toBe(true);
    expect(full.outcomes[0]).toMatchObject({ action: 'created', autoMerge: 'would-enable' });
    expect(full.writes.every((w) => !w.done)).toBe(true);
    const logged = logger
      .records()
      .filter((r) => r.msg === 'would write (dry run)')
      .map((r) => r.action);
    expect(logged).toEqual(full.writes.map((w) => w.action));
    const plan = await publishPlan(
      input([change('web', '500m', '250m')], { dryRun: 'plan', platform: undefined }),
    );
    expect(plan.previews[0]).toMatchObject({
      branch: 'tidemark/demo/shop-deployment-web',
      diff: 'apps/web.yaml',
    });
    expect(plan.previews[0]!.body).toContain('250m');
    expect(gh.writes()).toEqual([]);
    expect(git.pushCount()).toBe(seedPushes);
    expect(logger.records().filter((r) => r.msg === 'would write (dry run)').length).toBeGreaterThan(0);
  });

  it('a plan dry run reads nothing remote and takes the decisions a full one takes, saying what it could not know', async () => {
    const three = [
      change('web', '500m', '250m'),
      change('cart', '500m', '250m'),
      change('api', '500m', '250m'),
    ];
    const full = await publishPlan(input(three, { dryRun: 'full' }, { prHourlyLimit: 2 }));
    const calls = gh.calls.length;
    const plan = await publishPlan(
      input(three, { dryRun: 'plan', platform: undefined }, { prHourlyLimit: 2 }),
    );
    expect(gh.calls.length).toBe(calls);
    expect(plan.writes).toEqual([]);
    // The same groups, in the same order, with the same actions: the third waits for the hourly limit.
    expect(plan.outcomes.map((o) => [o.branch, o.action])).toEqual(
      full.outcomes.map((o) => [o.branch, o.action]),
    );
    expect(plan.outcomes.map((o) => o.action)).toEqual(['created', 'created', 'limited']);
    expect(full.outcomes[2]!.detail).toBe('2 PRs created this hour (limit 2)');
    expect(plan.outcomes[2]!.detail).toBe(
      "2 PRs created this hour (limit 2), counting only this run's PRs: GitHub's are not read in a plan dry run",
    );
    expect(plan.outcomes[0]!.detail).toBe(
      'would be created unless GitHub says otherwise: open and closed PRs on the branch and the PR limits are not read in a plan dry run',
    );
    // Byte for byte the bodies a full run would send: same renderer, same inputs, same base.
    expect(plan.previews.map((p) => p.body)).toEqual(full.previews.map((p) => p.body));
    expect(plan.previews.map((p) => decodeMarker(p.body)!.base)).toEqual(['main', 'main', 'main']);
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

  it('sees every PR of its own across pages (2 per page): limits and closing count the ones on page 2', async () => {
    const three = [
      change('web', '500m', '250m'),
      change('cart', '500m', '250m'),
      change('api', '500m', '250m'),
    ];
    const r1 = await publishPlan(input(three));
    expect(r1.outcomes.map((o) => o.action)).toEqual(['created', 'created', 'created']);
    const before = gh.calls.length;
    const r2 = await publishPlan(
      input([...three, change('db', '500m', '250m')], {}, { prConcurrentLimit: 3 }),
    );
    const pages = gh.calls
      .slice(before)
      .filter((c) => c.operationId === 'pulls/list' && /(^|&)state=open(&|$)/.test(c.query))
      .map((c) => new URLSearchParams(c.query).get('page') ?? '1');
    expect(pages).toEqual(['1', '2']);
    expect(r2.outcomes.find((o) => o.group === 'Deployment/shop/db')).toMatchObject({
      action: 'limited',
      detail: '3 open Tidemark PRs (limit 3)',
    });
    // Nothing recommended any more, with complete data: all three are closed, page 2 included.
    const all = ['web', 'cart', 'api', 'db'].map((n) => `Deployment/shop/${n}`);
    const r3 = await publishPlan(input([], {}, {}, { workloads: all }));
    expect(
      r3.outcomes
        .filter((o) => o.action === 'closed')
        .map((o) => o.pull)
        .sort(),
    ).toEqual([1, 2, 3]);
    expect(gh.repo(OWNER, REPO).pulls.map((p) => p.state)).toEqual(['closed', 'closed', 'closed']);
  });

  it('does not PATCH the PR when only the window and sample counts moved, and does on a material change', async () => {
    await publishPlan(input([change('web', '500m', '250m')]));
    const stored = gh.repo(OWNER, REPO).pulls[0]!.body!;
    const shifted = (over: Partial<PublishInput> = {}, risk: 'low' | 'medium' = 'low'): PublishInput => {
      const i = input([change('web', '500m', '250m', { shiftHours: 6, risk })], over);
      i.doc.clusters[0]!.window = { start: '2026-01-01T06:00:00Z', end: '2026-01-15T06:00:00Z', step: 300 };
      return i;
    };
    // The body a reader sees did move (so a text comparison would PATCH on every scheduled run).
    const preview = await publishPlan(shifted({ dryRun: 'plan', platform: undefined }));
    expect(visibleBody(preview.previews[0]!.body)).not.toBe(visibleBody(stored));
    const writes = gh.writes().length;
    const pushes = git.pushCount();
    const r = await publishPlan(shifted());
    expect(r.outcomes[0]).toMatchObject({ action: 'unchanged', pull: 1 });
    expect(gh.writes().length).toBe(writes);
    expect(git.pushCount()).toBe(pushes);
    expect(gh.repo(OWNER, REPO).pulls[0]!.body).toBe(stored);
    // Same values, higher risk: material for a reviewer, so the body is updated once.
    const m = await publishPlan(shifted({}, 'medium'));
    expect(m.outcomes[0]).toMatchObject({ action: 'updated', pull: 1 });
    expect(gh.calls.filter((c) => c.operationId === 'pulls/update')).toHaveLength(1);
    expect(git.pushCount()).toBe(pushes);
  });

  it('enables auto-merge through GraphQL; a failure is a warning, retried on the next run', async () => {
    const repo = gh.repo(OWNER, REPO);
    repo.allowAutoMerge = true;
    repo.rules = [REQUIRED_CI];
    gh.inject({
      method: 'POST',
      path: /^\/graphql$/,
      status: 200,
      body: {
        data: { enablePullRequestAutoMerge: null },
        errors: [
          {
            type: 'FORBIDDEN',
            path: ['enablePullRequestAutoMerge'],
            message: 'tidemark[bot] does not have permission to enable auto-merge on this pull request.',
          },
        ],
      },
    });
    const s = { automerge: AUTOMERGE };
    const r1 = await publishPlan(input([change('web', '500m', '250m')], {}, s));
    expect(r1.outcomes[0]).toMatchObject({ action: 'created', pull: 1, autoMerge: 'failed' });
    expect(r1.outcomes[0]!.warnings![0]).toMatch(/does not have permission to enable auto-merge/);
    expect(repo.pulls[0]!.auto_merge).toBeNull();
    expect(repo.pulls[0]!.labels).toEqual(['tidemark']); // the PR is complete despite the failure

    const r2 = await publishPlan(input([change('web', '500m', '250m')], {}, s));
    expect(r2.outcomes[0]).toMatchObject({ action: 'unchanged', pull: 1, autoMerge: 'enabled' });
    expect(repo.pulls[0]!.auto_merge).toMatchObject({ merge_method: 'squash' });
    const mutations = gh.calls.filter(
      (c) => c.operationId === 'graphql' && /enablePullRequestAutoMerge/.test(JSON.stringify(c.requestBody)),
    );
    expect(mutations.map((c) => c.status)).toEqual([200, 200]);
    expect(mutations[1]!.requestBody).toMatchObject({
      variables: { id: repo.pulls[0]!.node_id, mergeMethod: 'SQUASH' },
    });
    // Enabled already: nothing more to do.
    const r3 = await publishPlan(input([change('web', '500m', '250m')], {}, s));
    expect(r3.outcomes[0]!.autoMerge).toBeUndefined();
    expect(gh.calls.filter((c) => c.operationId === 'graphql')).toHaveLength(2);
  });

  it('enables auto-merge only for low risk, with required checks, where the repository allows it', async () => {
    const repo = gh.repo(OWNER, REPO);
    const s = { automerge: AUTOMERGE };
    repo.allowAutoMerge = true;
    repo.rules = [];
    const noChecks = await publishPlan(input([change('web', '500m', '250m')], {}, s));
    expect(noChecks.outcomes[0]).toMatchObject({ action: 'created', autoMerge: 'no-required-checks' });
    expect(noChecks.outcomes[0]!.warnings![0]).toMatch(/no required status checks/);
    expect(gh.calls.some((c) => c.operationId === 'repos/get-branch-rules' && c.path.endsWith('/main'))).toBe(
      true,
    );

    repo.allowAutoMerge = false;
    repo.rules = [REQUIRED_CI];
    const disallowed = await publishPlan(input([change('web', '500m', '250m')], {}, s));
    expect(disallowed.outcomes[0]).toMatchObject({ action: 'unchanged', autoMerge: 'repo-disallows' });

    repo.allowAutoMerge = true;
    const mixed = await publishPlan(
      input([change('web', '500m', '250m'), change('cart', '500m', '250m', { risk: 'medium' })], {}, s),
    );
    const by = (n: string) => mixed.outcomes.find((o) => o.group === `Deployment/shop/${n}`);
    expect(by('cart')).toMatchObject({ action: 'created', autoMerge: 'risk-too-high' });
    expect(by('web')).toMatchObject({ action: 'unchanged', autoMerge: 'enabled' });
    expect(repo.pulls.map((p) => p.auto_merge?.merge_method ?? null)).toEqual(['squash', null]);
    expect(gh.calls.filter((c) => c.operationId === 'graphql')).toHaveLength(1);
    // Not configured: never considered.
    const off = await publishPlan(input([change('cart', '500m', '250m', { risk: 'medium' })]));
    expect(off.outcomes[0]!.autoMerge).toBeUndefined();
  });

  it('waits out a primary rate limit (x-ratelimit-reset) and a secondary one (Retry-After), then succeeds', async () => {
    const unit = 200;
    const reset = Math.floor(Date.now() / 1000) + 2;
    gh.inject({
      method: 'GET',
      path: /^\/repos\/acme\/gitops$/,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: {
        message: 'API rate limit exceeded for installation ID 1.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
    });
    gh.inject({
      method: 'POST',
      path: /\/pulls$/,
      status: 403,
      headers: { 'retry-after': '2', 'x-ratelimit-remaining': '4990' },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
    });
    const i = input([change('web', '500m', '250m')]);
    i.platform = createGitHubPlatform({
      owner: OWNER,
      repo: REPO,
      baseUrl: gh.url,
      token: TOKEN,
      logger,
      retries: 2,
      writeSpacingMs: 0,
      retryAfterUnitMs: unit,
    });
    const r = await publishPlan(i);
    expect(r.outcomes[0]!.action).toBe('created');
    const gap = (id: string): { statuses: number[]; waited: number } => {
      const c = gh.calls.filter((x) => x.operationId === id);
      return { statuses: c.map((x) => x.status), waited: c[1]!.at - c[0]!.at };
    };
    const primary = gap('repos/get');
    const secondary = gap('pulls/create');
    expect(primary.statuses).toEqual([403, 200]);
    expect(secondary.statuses).toEqual([403, 201]);
    const warned = logger.records().filter((x) => /rate limit/.test(String(x.msg)));
    const primaryAfter = Number(warned.find((x) => x.msg === 'github rate limit')!.retryAfter);
    expect(primaryAfter).toBeGreaterThanOrEqual(2); // seconds to the reset, plus one
    expect(primary.waited).toBeGreaterThanOrEqual(primaryAfter * unit - 20);
    expect(warned.find((x) => x.msg === 'github secondary rate limit')).toMatchObject({ retryAfter: 2 });
    expect(secondary.waited).toBeGreaterThanOrEqual(2 * unit - 20);
  });

  it('reports a 403 that is not a rate limit as missing permission, without retrying', async () => {
    gh.inject({
      method: 'POST',
      path: /\/pulls$/,
      status: 403,
      body: {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
      },
    });
    const err = (await publishPlan(input([change('web', '500m', '250m')])).catch(
      (e: unknown) => e,
    )) as PublishError;
    expect(err).toBeInstanceOf(PublishError);
    expect(err.code).toBe('platform-auth');
    expect(err.message).toMatch(
      /HTTP 403 Resource not accessible by integration: the token lacks a permission/,
    );
    expect(err.message).toMatch(/Pull requests: write/);
    expect(gh.calls.filter((c) => c.operationId === 'pulls/create')).toHaveLength(1);
    expect(logger.records().some((x) => /rate limit/.test(String(x.msg)))).toBe(false);
  });

  it('never pushes over an open PR on its branch that lost the marker, and handles GitHub\'s 422 "already exists"', async () => {
    await publishPlan(input([change('web', '500m', '250m')]));
    const branch = 'tidemark/demo/shop-deployment-web';
    gh.human.editBody(OWNER, REPO, 1, 'Our own description now; the hidden block is gone.');
    const tip = (): string =>
      execFileSync('git', ['--git-dir', git.bareDir(OWNER, REPO), 'rev-parse', `refs/heads/${branch}`], {
        encoding: 'utf8',
      }).trim();
    const before = tip();
    const pushes = git.pushCount();
    for (const to of ['300m', '310m']) {
      const r = await publishPlan(input([change('web', '500m', to)]));
      expect(r.outcomes[0]).toMatchObject({ action: 'blocked-human-edit', pull: 1 });
      expect(r.outcomes[0]!.detail).toMatch(/not Tidemark's/);
    }
    expect(git.pushCount()).toBe(pushes);
    expect(tip()).toBe(before);
    expect(gh.repo(OWNER, REPO).pulls).toHaveLength(1);
    expect(gh.repo(OWNER, REPO).pulls[0]!.body).toBe('Our own description now; the hidden block is gone.');
    expect(gh.repo(OWNER, REPO).comments.filter((c) => c.issue === 1)).toHaveLength(1);
    expect(gh.calls.filter((c) => c.operationId === 'pulls/create')).toHaveLength(1);

    // GitHub's list lags the PR (it appears between our look-up and our create): the create's 422
    // is handled the same way, and the run goes on.
    gh.inject({ method: 'GET', path: /\/pulls$/, query: /head=/, status: 200, body: [] });
    const raced = await publishPlan(input([change('web', '500m', '320m')]));
    expect(raced.outcomes[0]).toMatchObject({ action: 'blocked-human-edit', pull: 1 });
    expect(gh.calls.filter((c) => c.operationId === 'pulls/create').map((c) => c.status)).toEqual([201, 422]);
    expect(gh.repo(OWNER, REPO).comments.filter((c) => c.issue === 1)).toHaveLength(1);

    // The rebase label hands the PR back: marker restored, branch regenerated.
    gh.human.addLabel(OWNER, REPO, 1, 'tidemark:rebase');
    const back = await publishPlan(input([change('web', '500m', '300m')]));
    expect(back.outcomes[0]).toMatchObject({ action: 'updated', pull: 1 });
    const pr = gh.repo(OWNER, REPO).pulls[0]!;
    expect(decodeMarker(pr.body)?.fields['Deployment/shop/web#container/web/requests/cpu']).toBe('300m');
    expect(pr.labels).not.toContain('tidemark:rebase');
  });

  it('leaves a branch alone when someone pushes to it between our fetch and our push (lease rejected)', async () => {
    await publishPlan(input([change('web', '500m', '250m'), change('cart', '500m', '250m')]));
    const branch = 'tidemark/demo/shop-deployment-web';
    const i = input([change('web', '500m', '300m'), change('cart', '500m', '300m')]);
    let raced = false;
    i.render = async (c, changes, dir) => {
      if (!raced && changes.some((ch) => ch.workload.endsWith('/web'))) {
        raced = true; // after our fetch, before our push
        await humanCommit(branch, 'apps/web.yaml', manifest('web', '275m'));
      }
      return renderIntoCheckout(c, changes, dir);
    };
    const pushes = git.pushCount();
    const r = await publishPlan(i);
    const by = (n: string) => r.outcomes.find((o) => o.group === `Deployment/shop/${n}`);
    expect(by('web')).toMatchObject({ action: 'lease-rejected', branch });
    expect(by('web')!.detail).toMatch(
      /tidemark\/demo\/shop-deployment-web changed on the remote.*lease rejected/,
    );
    expect(by('cart')).toMatchObject({ action: 'updated' });
    // Only the human's push and our push of cart reached the remote; the human's commit is the tip.
    expect(git.pushCount()).toBe(pushes + 2);
    const tipMessage = execFileSync(
      'git',
      ['--git-dir', git.bareDir(OWNER, REPO), 'log', '-1', '--format=%s%n%ae', `refs/heads/${branch}`],
      { encoding: 'utf8' },
    );
    expect(tipMessage).toBe('human tweak\nbob@example.com\n');
    // web's PR was not touched: its body still proposes 250m.
    const web = gh.repo(OWNER, REPO).pulls.find((p) => p.head === branch)!;
    expect(decodeMarker(web.body)?.fields['Deployment/shop/web#container/web/requests/cpu']).toBe('250m');
  });

  it('closes its PR when the workload is gone; metrics-api and history gaps keep it open', async () => {
    await publishPlan(input([change('web', '500m', '250m')]));
    for (const reason of ['insufficient-history', 'metrics-api-unavailable']) {
      const kept = await publishPlan(
        input(
          [],
          {},
          {},
          {
            workloads: ['Deployment/shop/web'],
            skipped: [{ analyzer: 'hpa', workload: 'Deployment/shop/web', reason, detail: 'x' }],
          },
        ),
      );
      expect(kept.outcomes).toEqual([expect.objectContaining({ action: 'kept', pull: 1 })]);
      expect(kept.outcomes[0]!.detail).toContain(reason);
    }
    expect(gh.writes().filter((c) => c.operationId === 'pulls/update')).toHaveLength(0);
    const gone = await publishPlan(input([], {}, {}, { workloads: [] }));
    expect(gone.outcomes).toEqual([
      expect.objectContaining({
        action: 'closed',
        pull: 1,
        detail: 'Deployment/shop/web no longer exists in the cluster',
      }),
    ]);
    const pr = gh.repo(OWNER, REPO).pulls[0]!;
    expect(pr.state).toBe('closed');
    expect(decodeMarker(pr.body)?.closedByTidemark).toMatch(/no longer exists/);
    expect(
      gh.repo(OWNER, REPO).comments.filter((c) => c.issue === 1 && /no longer exists/.test(c.body)),
    ).toHaveLength(1);
  });

  it('authenticates as a GitHub App (app id + private key from the environment) through the installation-token endpoint', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const appGit = await startGitRemote();
    const appGh = await startFakeGitHub({
      git: appGit,
      maxPerPage: 2,
      app: {
        id: 42,
        slug: 'tidemark',
        installationId: 7,
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    });
    try {
      appGh.addRepo(OWNER, REPO);
      await simpleGit(seed).push(appGit.repoUrl(OWNER, REPO), 'main');
      const pub: ResolvedPublish = { settings: settings(), apiUrl: appGh.url, auth: undefined };
      const env = { TIDEMARK_APP_ID: '42', TIDEMARK_APP_PRIVATE_KEY: pem.replace(/\n/g, '\\n') };
      const platform = await githubPlatformFor(pub, logger, { env, writeSpacingMs: 0 });
      const r = await publishPlan({ ...input([change('web', '500m', '250m')]), platform });
      expect(r.outcomes[0]).toMatchObject({ action: 'created', pull: 1 });
      const token = appGh.calls.find((c) => c.operationId === 'apps/create-installation-access-token')!;
      expect(token).toMatchObject({ status: 201, path: '/app/installations/7/access_tokens' });
      expect(token.requestBody).toEqual({ repositories: [REPO] });
      expect(appGh.calls.find((c) => c.operationId === 'apps/get-repo-installation')?.status).toBe(200);
      expect(appGh.repo(OWNER, REPO).pulls[0]!.user.login).toBe('tidemark[bot]');
      expect(appGh.calls.filter((c) => c.operationId === 'pulls/create').map((c) => c.user)).toEqual([
        'tidemark[bot]',
      ]);
      expect(logger.lines.join('\n')).not.toContain('PRIVATE KEY');

      // A key that is not a key, and a real key the app does not have: clear errors, no key material.
      const body = pem.split('\n').slice(1, 3).join('');
      const broken = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----\n`;
      const bad = await githubPlatformFor(pub, logger, {
        env: { ...env, TIDEMARK_APP_PRIVATE_KEY: broken },
      }).catch((e: Error) => e);
      expect(bad).toBeInstanceOf(ConfigError);
      expect((bad as Error).message).toMatch(/TIDEMARK_APP_PRIVATE_KEY is not a valid RSA private key/);
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      const wrong = await githubPlatformFor(pub, logger, {
        env: { ...env, TIDEMARK_APP_PRIVATE_KEY: Buffer.from(other).toString('base64') },
      }).catch((e: Error) => e);
      expect(wrong).toBeInstanceOf(PublishError);
      expect((wrong as Error).message).toMatch(
        /GitHub App authentication failed \(HTTP 401\): check TIDEMARK_APP_ID, TIDEMARK_APP_PRIVATE_KEY and that the app is installed on acme\/gitops/,
      );
      for (const e of [bad, wrong] as Error[]) {
        expect(e.message).not.toContain(body.slice(0, 16));
        expect(e.message).not.toContain(other.split('\n')[1]!.slice(0, 16));
        expect(e.message).not.toMatch(/BEGIN|eyJ/); // no PEM, no JWT
      }
      expect(appGh.repo(OWNER, REPO).pulls).toHaveLength(1);
      appGh.assertNoViolations();
    } finally {
      await appGh.close();
      await appGit.close();
    }
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
