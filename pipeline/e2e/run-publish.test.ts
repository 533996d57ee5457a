/**
 * `tidemark run` on the demo, end to end through the CLI: plan, then pull requests on a real git
 * remote (smart HTTP) and a GitHub API fake that checks every request and response against
 * GitHub's published OpenAPI description. Dry runs write nothing; a second run changes nothing;
 * the token never reaches the output.
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { main } from '../cli/main.js';
import { prepareDemoWorkspace, type DemoWorkspace } from '../cli/demo-workspace.js';
import { createMemoryLogger } from '../core/logger.js';
import { clearRegisteredSecrets } from '../core/sanitize.js';
import { startGitRemote, type GitRemote } from '../testing/git-remote.js';
import { startFakeGitHub, type FakeGitHub } from '../testing/github-fake/server.js';
import { allowSlowTests } from '../testing/slow.js';

allowSlowTests();

const TOKEN = 'ghp_e2eTOKENvalue0123456789';
const OWNER = 'platform';
const REPO = 'gitops';

describe('e2e/run publishes the demo plan as pull requests', () => {
  let ws: DemoWorkspace;
  let git: GitRemote;
  let gh: FakeGitHub;

  async function run(args: string[]): Promise<{ code: number; out: string; logs: string }> {
    let out = '';
    const logger = createMemoryLogger('debug');
    const chunks: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    (process.stderr as { write: unknown }).write = (c: string): boolean => (chunks.push(String(c)), true);
    try {
      const code = await main(args, { stdout: (t) => (out += t), logger });
      return { code, out, logs: logger.lines.join('\n') + chunks.join('') };
    } finally {
      (process.stderr as { write: unknown }).write = orig;
    }
  }

  beforeAll(async () => {
    ws = await prepareDemoWorkspace();
    git = await startGitRemote({ token: TOKEN });
    git.createRepo(OWNER, REPO);
    gh = await startFakeGitHub({
      git,
      maxPerPage: 2,
      tokens: { [TOKEN]: { login: 'tidemark[bot]', type: 'Bot' } },
    });
    gh.addRepo(OWNER, REPO);
    await simpleGit(ws.repo).push(git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`), 'main');
    appendFileSync(
      ws.config,
      [
        'publish:',
        '  github:',
        `    owner: ${OWNER}`,
        `    repo: ${REPO}`,
        `    apiUrl: ${gh.url}`,
        '    auth: { tokenEnv: TIDEMARK_E2E_TOKEN }',
        '    grouping: namespace',
        '    prHourlyLimit: 0',
        '    reviewers: [alice]',
        '',
      ].join('\n'),
    );
    process.env.TIDEMARK_E2E_TOKEN = TOKEN;
  });

  afterAll(async () => {
    delete process.env.TIDEMARK_E2E_TOKEN;
    clearRegisteredSecrets();
    gh.assertNoViolations();
    await gh.close();
    await git.close();
  });

  it('--dry-run=full logs every write it would make and makes none', async () => {
    const pushes = git.pushCount();
    const r = await run(['run', '--config', ws.config, '--out', join(ws.dir, 'o1'), '--dry-run', 'full']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/dry run: \d+ write\(s\) logged, none made/);
    expect(Number(/dry run: (\d+)/.exec(r.out)![1])).toBeGreaterThan(2);
    expect(gh.repo(OWNER, REPO).pulls).toHaveLength(0);
    expect(gh.writes()).toHaveLength(0);
    expect(git.pushCount()).toBe(pushes);
    expect(r.out + r.logs).not.toContain(TOKEN);
  });

  it('--dry-run=plan prints each pull request body and diff, and writes nothing', async () => {
    const r = await run(['run', '--config', ws.config, '--out', join(ws.dir, 'o2'), '--dry-run', 'plan']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/=== tidemark\/demo\/[a-z-]+: /);
    expect(r.out).toMatch(/^diff --git a\//m);
    expect(gh.writes()).toHaveLength(0);
  });

  it('opens one pull request per namespace, and a second run changes nothing', async () => {
    const r1 = await run(['run', '--config', ws.config, '--out', join(ws.dir, 'o3')]);
    expect(r1.code).toBe(0);
    const pulls = gh.repo(OWNER, REPO).pulls;
    expect(pulls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(pulls.map((p) => p.head)).size).toBe(pulls.length);
    expect(pulls.every((p) => p.head.startsWith('tidemark/demo/') && p.labels.includes('tidemark'))).toBe(
      true,
    );
    expect(pulls.every((p) => p.reviewers.includes('alice'))).toBe(true);
    expect(r1.out).toMatch(/created\s+#1/);
    const pushes = git.pushCount();
    const writes = gh.writes().length;

    const r2 = await run(['run', '--config', ws.config, '--out', join(ws.dir, 'o4')]);
    expect(r2.code).toBe(0);
    expect(r2.out).not.toMatch(/created|updated/);
    expect(git.pushCount()).toBe(pushes);
    expect(gh.writes().length).toBe(writes);
    expect(r1.out + r1.logs + r2.out + r2.logs).not.toContain(TOKEN);
  }, 300_000);

  it('with repo.clone (a CronJob has no checkout), clones the repository and plans against it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-clone-'));
    // Only the cluster state and metrics are local; the GitOps repository is not.
    const config = readFileSync(ws.config, 'utf8')
      .replace('kubernetes: { snapshot: cluster/ }', `kubernetes: { snapshot: "${join(ws.dir, 'cluster')}" }`)
      .replace(
        'metrics: { openmetrics: metrics.om }',
        `metrics: { openmetrics: "${join(ws.dir, 'metrics.om')}" }`,
      )
      .replace(/repo:\n(\s+)path: gitops\/\n/, 'repo:\n$1clone: true\n');
    expect(config).toContain('clone: true');
    writeFileSync(join(dir, 'tidemark.yaml'), config);
    const r = await run([
      'run',
      '--config',
      join(dir, 'tidemark.yaml'),
      '--out',
      join(dir, 'out'),
      '--dry-run',
      'plan',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/=== tidemark\/demo\/[a-z-]+: /);
    // `plan` alone cannot clone: a clear config error.
    const p = await run(['plan', '--config', join(dir, 'tidemark.yaml'), '--out', join(dir, 'out2')]);
    expect(p.code).toBe(2);
    expect(p.logs).toMatch(/only `tidemark run` clones the repository/);
    const v = await run(['validate', '--config', join(dir, 'tidemark.yaml')]);
    expect(v.code).toBe(2);
    expect(v.logs).toMatch(/only `tidemark run` clones the repository/);
  });

  it('a missing token is a clear config error before any planning, with nothing pushed', async () => {
    const saved = process.env.TIDEMARK_E2E_TOKEN;
    delete process.env.TIDEMARK_E2E_TOKEN;
    try {
      const pushes = git.pushCount();
      const r = await run(['run', '--config', ws.config, '--out', join(ws.dir, 'o5')]);
      expect(r.code).toBe(2);
      expect(r.logs).toMatch(/TIDEMARK_E2E_TOKEN is empty or unset/);
      expect(git.pushCount()).toBe(pushes);
    } finally {
      process.env.TIDEMARK_E2E_TOKEN = saved;
    }
  });
});
