/**
 * The revert PR's branch on a real git remote (smart HTTP) and the contract-checked GitHub fake:
 * a branch an earlier run pushed before it failed to open the PR must not block every later run.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { startGitRemote, type GitRemote } from '../testing/git-remote.js';
import { startFakeGitHub, type FakeGitHub } from '../testing/github-fake/server.js';
import { createMemoryLogger } from '../core/logger.js';
import { systemClock } from '../core/clock.js';
import { clearRegisteredSecrets } from '../core/sanitize.js';
import { allowSlowTests } from '../testing/slow.js';
import { DEFAULT_SETTINGS, type PublishSettings } from './publish.js';
import { createGitHubPlatform } from './platform/github/platform.js';
import { openWorkspace } from './git/workspace.js';
import { createWriteGate } from './write-gate.js';
import { encodeMarker, fingerprintOf, type PrMarker } from './pr/marker.js';
import { DEFAULT_WATCH, watchMerged } from './watch.js';
import type { ClusterPlanResult } from '../plan/run.js';

allowSlowTests();

const TOKEN = 'ghs_watchreverttoken_0123456789abcdef';
const OWNER = 'acme';
const REPO = 'gitops';
const WEB = 'Deployment/shop/web';
const HEAD = 'tidemark/demo/shop-deployment-web';
const REVERT = 'tidemark/demo/revert-pr-1';

const manifest = (cpu: string): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          resources:\n            requests:\n              cpu: ${cpu}\n`;

describe('publish/watch revert branch', () => {
  let git: GitRemote;
  let gh: FakeGitHub;
  const logger = createMemoryLogger('debug');
  const settings: PublishSettings = { ...DEFAULT_SETTINGS, owner: OWNER, repo: REPO, labels: ['tidemark'] };
  const authed = (): string => git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`);
  const platform = () =>
    createGitHubPlatform({
      owner: OWNER,
      repo: REPO,
      baseUrl: gh.url,
      token: TOKEN,
      logger,
      retries: 0,
      writeSpacingMs: 0,
    });

  /** A clone of `branch` (or main) committing as `who`. */
  async function clone(branch = 'main', who = 'Platform') {
    const dir = mkdtempSync(join(tmpdir(), 'watch-revert-'));
    await simpleGit().clone(authed(), dir, ['--branch', branch]);
    return {
      dir,
      g: simpleGit({ baseDir: dir, config: [`user.name=${who}`, `user.email=${who}@example.com`] }),
    };
  }

  beforeEach(async () => {
    clearRegisteredSecrets();
    git = await startGitRemote({ token: TOKEN });
    gh = await startFakeGitHub({ git, tokens: { [TOKEN]: { login: 'tidemark[bot]', type: 'Bot' } } });
    gh.addRepo(OWNER, REPO);
    git.createRepo(OWNER, REPO);
    const seed = mkdtempSync(join(tmpdir(), 'watch-seed-'));
    const g = simpleGit({ baseDir: seed, config: ['user.name=Platform', 'user.email=platform@example.com'] });
    await g.init(['-q', '-b', 'main']);
    writeFileSync(join(seed, 'web.yaml'), manifest('500m'));
    await g.add('.').commit('init');
    await g.push(authed(), 'main');

    // Tidemark's PR cutting web's CPU, merged with GitHub's merge button.
    const pr = await clone();
    await pr.g.checkoutLocalBranch(HEAD);
    writeFileSync(join(pr.dir, 'web.yaml'), manifest('250m'));
    await pr.g
      .add('.')
      .commit(
        `chore(tidemark): right-size shop/web cpu 500m→250m\n\nTidemark-Change: ${WEB} container/web/requests/cpu 500m->250m`,
      );
    await pr.g.push('origin', HEAD);
    const fields = { [`${WEB}#container/web/requests/cpu`]: '250m' };
    const marker: PrMarker = {
      v: 1,
      cluster: 'demo',
      group: WEB,
      fields,
      fingerprint: fingerprintOf(fields),
      labels: ['tidemark'],
      base: 'main',
    };
    await platform().createPull({
      head: HEAD,
      base: 'main',
      title: 'right-size web',
      body: encodeMarker(marker),
      draft: false,
    });
    const main = await clone('main', 'GitHub');
    await main.g.fetch('origin', HEAD);
    await main.g.raw(['merge', '--no-ff', '-m', `Merge pull request #1 from ${OWNER}/${HEAD}`, 'FETCH_HEAD']);
    await main.g.push('origin', 'main');
    gh.human.mergePull(OWNER, REPO, 1);
  });

  afterEach(async () => {
    gh.assertNoViolations();
    await gh.close();
    await git.close();
  });

  /** One watch run that sees web OOM-killed after the merge. */
  async function watch() {
    const ws = await openWorkspace({
      cloneUrl: git.repoUrl(OWNER, REPO),
      token: TOKEN,
      base: 'main',
      identity: settings.identity,
      branchPrefix: settings.branchPrefix,
    });
    const pod = { namespace: 'shop', name: 'web-1', workload: WEB, statuses: [] };
    const model = {
      pods: new Map([['shop/web-1', pod]]),
      workloads: new Map(),
      hpas: [],
      ooms: [
        {
          namespace: 'shop',
          pod: 'web-1',
          container: 'web',
          time: Date.now() / 1000 + 5,
          source: 'snapshot',
        },
      ],
    };
    try {
      return await watchMerged({
        settings,
        watch: DEFAULT_WATCH,
        platform: platform(),
        clusters: [{ cluster: { name: 'demo' }, model } as unknown as ClusterPlanResult],
        ws,
        gate: createWriteGate('none', logger),
        clock: systemClock,
        logger,
      });
    } finally {
      ws.close();
    }
  }

  it('replaces a revert branch an earlier run pushed without opening its PR', async () => {
    // The earlier run's branch: something else than the revert we build now.
    const stale = await clone();
    await stale.g.checkoutLocalBranch(REVERT);
    writeFileSync(join(stale.dir, 'web.yaml'), manifest('400m'));
    await stale.g.add('.').commit('revert(tidemark): #1 after a regression (interrupted run)');
    await stale.g.push('origin', REVERT);

    const outcomes = await watch();
    expect(outcomes.map((o) => o.action)).toEqual(['revert-opened']);
    const pulls = gh.repo(OWNER, REPO).pulls.filter((p) => p.head === REVERT);
    expect(pulls).toHaveLength(1);
    const check = await clone(REVERT);
    expect(readFileSync(join(check.dir, 'web.yaml'), 'utf8')).toBe(manifest('500m'));
    expect(await check.g.raw(['log', '-1', '--format=%B'])).toMatch(
      new RegExp(`^Tidemark-Change: ${WEB} revert -->pr-1$`, 'm'),
    );
  });

  it('reuses a leftover branch that already holds the revert, without pushing again', async () => {
    // A first run that pushed the revert (with its trailer) and died before opening the PR.
    const first = await clone();
    await first.g.checkoutLocalBranch(REVERT);
    await first.g.raw(['revert', '--no-commit', '-m', '1', 'HEAD']);
    await first.g.commit(`revert(tidemark): #1 after a regression\n\nTidemark-Change: ${WEB} revert -->pr-1`);
    await first.g.push('origin', REVERT);

    const pushes = git.pushCount();
    expect((await watch()).map((o) => o.action)).toEqual(['revert-opened']);
    expect(git.pushCount()).toBe(pushes);
    expect(gh.repo(OWNER, REPO).pulls.filter((p) => p.head === REVERT)).toHaveLength(1);
  });

  it('replaces a leftover branch with the same files but without the revert trailer later runs read', async () => {
    const other = await clone();
    await other.g.checkoutLocalBranch(REVERT);
    await other.g.raw(['revert', '--no-edit', '-m', '1', 'HEAD']);
    await other.g.push('origin', REVERT);

    const pushes = git.pushCount();
    expect((await watch()).map((o) => o.action)).toEqual(['revert-opened']);
    expect(git.pushCount()).toBe(pushes + 1);
    const check = await clone(REVERT);
    expect(await check.g.raw(['log', '-1', '--format=%B'])).toMatch(
      new RegExp(`^Tidemark-Change: ${WEB} revert -->pr-1$`, 'm'),
    );
  });
});
