import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, createSign } from 'node:crypto';
import { Octokit } from 'octokit';
import { simpleGit } from 'simple-git';
import { startGitRemote, type GitRemote } from '../git-remote.js';
import { startFakeGitHub, type FakeGitHub } from './server.js';

const TOKEN = 'ghp_faketoken_0123456789abcdef';

describe('testing/github-fake/server', () => {
  let git: GitRemote;
  let gh: FakeGitHub;
  let octokit: Octokit;

  beforeAll(async () => {
    git = await startGitRemote();
    gh = await startFakeGitHub({
      git,
      maxPerPage: 2,
      tokens: { [TOKEN]: { login: 'tidemark-bot', type: 'Bot' } },
    });
    gh.addRepo('acme', 'gitops', {
      rules: [
        {
          type: 'required_status_checks',
          parameters: {
            required_status_checks: [{ context: 'ci' }],
            strict_required_status_checks_policy: false,
          },
          ruleset_source_type: 'Repository',
          ruleset_source: 'acme/gitops',
          ruleset_id: 1,
        },
      ],
      allowAutoMerge: true,
    });
    const dir = mkdtempSync(join(tmpdir(), 'fake-gh-'));
    const g = simpleGit({ baseDir: dir, config: ['user.name=t', 'user.email=t@example.com'] });
    await g.init(['-q', '-b', 'main']);
    writeFileSync(join(dir, 'a.yaml'), 'a: 1\n');
    await g.add('.').commit('init');
    await g.push(git.repoUrl('acme', 'gitops'), 'main');
    for (const b of ['tidemark/a', 'tidemark/b', 'tidemark/c']) {
      await g.checkout(['-B', b, 'main']);
      writeFileSync(join(dir, 'a.yaml'), `a: ${b}\n`);
      await g.add('.').commit(b);
      await g.push(git.repoUrl('acme', 'gitops'), b);
    }
    octokit = new Octokit({
      auth: TOKEN,
      baseUrl: gh.url,
      retry: { enabled: false },
      throttle: { enabled: false },
    });
  });
  afterAll(async () => {
    await gh.close();
    await git.close();
  });

  it('creates pull requests against real branches and refuses a duplicate like GitHub', async () => {
    const created = await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'gitops',
      head: 'tidemark/a',
      base: 'main',
      title: 'A',
      body: 'x',
    });
    expect(created.status).toBe(201);
    expect(created.data.head.sha).toMatch(/^[0-9a-f]{40}$/);
    await expect(
      octokit.rest.pulls.create({
        owner: 'acme',
        repo: 'gitops',
        head: 'tidemark/a',
        base: 'main',
        title: 'A again',
      }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ message: 'A pull request already exists for acme:tidemark/a.' }] } },
    });
    await expect(
      octokit.rest.pulls.create({
        owner: 'acme',
        repo: 'gitops',
        head: 'no-such-branch',
        base: 'main',
        title: 'x',
      }),
    ).rejects.toMatchObject({ status: 422 });
    gh.assertNoViolations();
  });

  it('filters by head=owner:branch and paginates with Link headers', async () => {
    await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'gitops',
      head: 'tidemark/b',
      base: 'main',
      title: 'B',
    });
    await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'gitops',
      head: 'tidemark/c',
      base: 'main',
      title: 'C',
    });
    const byHead = await octokit.rest.pulls.list({
      owner: 'acme',
      repo: 'gitops',
      head: 'acme:tidemark/b',
      state: 'all',
    });
    expect(byHead.data.map((p) => p.title)).toEqual(['B']);
    const first = await octokit.rest.pulls.list({
      owner: 'acme',
      repo: 'gitops',
      state: 'all',
      per_page: 100,
    });
    expect(first.data).toHaveLength(2);
    expect(first.headers.link).toContain('rel="next"');
    const all = await octokit.paginate(octokit.rest.pulls.list, {
      owner: 'acme',
      repo: 'gitops',
      state: 'all',
      per_page: 100,
    });
    expect(all.map((p) => p.title).sort()).toEqual(['A', 'B', 'C']);
    gh.assertNoViolations();
  });

  it("records a request that breaks GitHub's contract", async () => {
    await octokit
      .request('GET /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'gitops', stat: 'open' } as never)
      .catch(() => undefined);
    expect(gh.violations.some((v) => v.includes('query parameter "stat"'))).toBe(true);
    gh.violations.length = 0;
  });

  it("answers injected rate limits with GitHub's headers, and bad credentials with 401", async () => {
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
    await expect(octokit.rest.pulls.list({ owner: 'acme', repo: 'gitops' })).rejects.toMatchObject({
      status: 429,
      response: { headers: { 'retry-after': '1' } },
    });
    const anon = new Octokit({ auth: 'wrong-token', baseUrl: gh.url, retry: { enabled: false } });
    await expect(anon.rest.repos.get({ owner: 'acme', repo: 'gitops' })).rejects.toMatchObject({
      status: 401,
    });
  });

  it("enables auto-merge through GraphQL, validated against GitHub's schema", async () => {
    const pr = (await octokit.rest.pulls.list({ owner: 'acme', repo: 'gitops', head: 'acme:tidemark/a' }))
      .data[0]!;
    const res = await octokit.graphql<{
      enablePullRequestAutoMerge: { pullRequest: { autoMergeRequest: { mergeMethod: string } } };
    }>(
      'mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: SQUASH}) { pullRequest { autoMergeRequest { mergeMethod } } } }',
      { id: pr.node_id },
    );
    expect(res.enablePullRequestAutoMerge.pullRequest.autoMergeRequest.mergeMethod).toBe('SQUASH');
    await expect(
      octokit.graphql(
        'mutation { enablePullRequestAutoMerge(input: {pullRequestId: "x", mergeStrategy: SQUASH}) { clientMutationId } }',
      ),
    ).rejects.toThrow();
    expect(gh.violations.some((v) => v.startsWith('graphql:'))).toBe(true);
    gh.violations.length = 0;
  });

  it('checks a faulted request and the injected answer against the contract too, and records the query', async () => {
    gh.violations.length = 0;
    gh.inject({ method: 'GET', path: /\/pulls$/, status: 502, body: { message: 'Server Error' } });
    await octokit
      .request('GET /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'gitops', stat: 'open' } as never)
      .catch(() => undefined);
    expect(gh.violations).toEqual([expect.stringContaining('query parameter "stat"')]);
    const last = gh.calls.at(-1)!;
    expect(last).toMatchObject({ operationId: 'pulls/list', status: 502, query: 'stat=open' });
    gh.violations.length = 0;

    // A status GitHub never documents for the operation is a test bug, even when injected.
    gh.inject({ method: 'GET', path: /^\/repos\/acme\/gitops$/, status: 418, body: { message: 'teapot' } });
    await octokit.rest.repos.get({ owner: 'acme', repo: 'gitops' }).catch(() => undefined);
    expect(gh.violations).toEqual([
      expect.stringMatching(/^injected response: repos\/get does not document status 418/),
    ]);
    gh.violations.length = 0;

    // A path GitHub does not have, faulted or not.
    gh.inject({ path: /^\/repos\/acme\/gitops\/nope$/, status: 500 });
    await octokit.request('GET /repos/acme/gitops/nope').catch(() => undefined);
    expect(gh.violations).toEqual([expect.stringContaining("is not an operation of GitHub's REST API")]);
    gh.violations.length = 0;
  });

  it('records GraphQL variables that do not coerce as violations, but not GitHub-style refusals', async () => {
    gh.violations.length = 0;
    const pr = (await octokit.rest.pulls.list({ owner: 'acme', repo: 'gitops', head: 'acme:tidemark/b' }))
      .data[0]!;
    const mutation =
      'mutation($id: ID!, $mergeMethod: PullRequestMergeMethod!) { enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: $mergeMethod}) { pullRequest { id } } }';
    await expect(octokit.graphql(mutation, { id: pr.node_id, mergeMethod: 'FAST' })).rejects.toThrow();
    expect(gh.violations).toEqual([
      expect.stringMatching(/^graphql: Variable "\$mergeMethod" got invalid value "FAST"/),
    ]);
    gh.violations.length = 0;
    // The same mutation faulted: still validated.
    gh.inject({ method: 'POST', path: /^\/graphql$/, status: 502, body: { message: 'Server Error' } });
    await expect(octokit.graphql(mutation, { id: pr.node_id })).rejects.toThrow();
    expect(gh.violations).toEqual([
      expect.stringMatching(/^graphql: Variable "\$mergeMethod" of required type/),
    ]);
    gh.violations.length = 0;
    // GitHub refuses an unknown node: an answer, not a contract problem.
    await expect(octokit.graphql(mutation, { id: 'PR_unknown', mergeMethod: 'SQUASH' })).rejects.toThrow(
      /Could not resolve to a node/,
    );
    expect(gh.violations).toEqual([]);
  });

  it('issues installation tokens only for a JWT signed by the app key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const app = await startFakeGitHub({
      git,
      app: {
        id: 42,
        slug: 'tidemark',
        installationId: 7,
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    });
    app.addRepo('acme', 'gitops');
    const now = Math.floor(Date.now() / 1000);
    const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iat: now - 30, exp: now + 540, iss: 42 })}`;
    const jwt = `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
    const asApp = new Octokit({ auth: jwt, baseUrl: app.url, retry: { enabled: false } });
    const tok = await asApp.rest.apps.createInstallationAccessToken({ installation_id: 7 });
    const asInstallation = new Octokit({ auth: tok.data.token, baseUrl: app.url });
    expect((await asInstallation.rest.repos.get({ owner: 'acme', repo: 'gitops' })).data.full_name).toBe(
      'acme/gitops',
    );
    const forged = `${unsigned}.${Buffer.from('nope').toString('base64url')}`;
    await expect(
      new Octokit({
        auth: forged,
        baseUrl: app.url,
        retry: { enabled: false },
      }).rest.apps.createInstallationAccessToken({ installation_id: 7 }),
    ).rejects.toMatchObject({ status: 401 });
    app.assertNoViolations();
    await app.close();
  });
});
