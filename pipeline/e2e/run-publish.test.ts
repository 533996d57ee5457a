/**
 * `tidemark run` on the demo, end to end through the CLI: plan, then pull requests on a real git
 * remote (smart HTTP) and a GitHub API fake that checks every request and response against
 * GitHub's published OpenAPI description. Dry runs write nothing, and a plan dry run reads
 * nothing remote; the PR files `plan` writes are the bodies `run` sends, each linking the cost
 * report, which `run` writes with pulls.json linking the PRs it left open; a second run changes
 * nothing; the token never reaches the output.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { simpleGit } from 'simple-git';
import { main } from '../cli/main.js';
import { prepareDemoWorkspace, type DemoWorkspace } from '../cli/demo-workspace.js';
import { createMemoryLogger } from '../core/logger.js';
import { getValidator } from '../core/json-schema.js';
import { clearRegisteredSecrets } from '../core/sanitize.js';
import { startGitRemote, type GitRemote } from '../testing/git-remote.js';
import { startFakeGitHub, type FakeGitHub } from '../testing/github-fake/server.js';
import { allowSlowTests } from '../testing/slow.js';
import { freePort } from '../testing/ports.js';

allowSlowTests();

const TOKEN = 'ghp_e2eTOKENvalue0123456789';

/** The PR bodies a dry run printed (`=== <branch>: <title>`, the body, the diff), by branch. */
function printedBodies(out: string): Map<string, string> {
  const bodies = new Map<string, string>();
  for (const m of out.matchAll(/^=== (\S+): .*\n\n([\s\S]*?<!-- tidemark:v1 [A-Za-z0-9+/=_-]+ -->\n)/gm))
    bodies.set(m[1]!, m[2]!);
  return bodies;
}

/** The PR files `plan` wrote, by branch (pr.md lists them). */
function plannedBodies(outDir: string): Map<string, string> {
  const index = readFileSync(join(outDir, 'pr.md'), 'utf8');
  const bodies = new Map<string, string>();
  for (const m of index.matchAll(/\| `(tidemark\/[^`]+)` \| `[^`]+` \| .* \| \[(pr\/[^\]]+)\]/g))
    bodies.set(m[1]!, readFileSync(join(outDir, m[2]!), 'utf8'));
  return bodies;
}
const OWNER = 'platform';
const REPO = 'gitops';

/** Where the cost board is published (report.url): every PR body links it. */
const REPORT_URL = 'https://acme.github.io/gitops/';

/** report.html's data, as the page decodes it (gzip + base64 in a script element). */
function reportData(file: string): {
  pulls: { cluster: string; number: number; url: string; workloads: string[] }[];
} {
  const html = readFileSync(file, 'utf8');
  const m = /<script id="[^"]+" type="application\/octet-stream">([^<]+)<\/script>/.exec(html);
  return JSON.parse(gunzipSync(Buffer.from(m![1]!, 'base64')).toString('utf8'));
}

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
        'report:',
        `  url: ${REPORT_URL}`,
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

  it('--dry-run=plan prints each pull request body and diff offline: no token, no request to GitHub or git', async () => {
    const saved = process.env.TIDEMARK_E2E_TOKEN;
    delete process.env.TIDEMARK_E2E_TOKEN;
    const calls = gh.calls.length;
    const gitRequests = git.requests.length;
    try {
      const r = await run(['run', '--config', ws.config, '--out', join(ws.dir, 'o2'), '--dry-run', 'plan']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/=== tidemark\/demo\/[a-z-]+: /);
      expect(r.out).toMatch(/^diff --git a\//m);
      expect(r.out).toMatch(/would be created unless GitHub says otherwise/);
      expect(r.out).toMatch(/dry run \(plan\): offline; GitHub's open, closed and merged PRs/);
    } finally {
      process.env.TIDEMARK_E2E_TOKEN = saved;
    }
    expect(gh.calls.length).toBe(calls);
    expect(git.requests.length).toBe(gitRequests);
    expect(gh.writes()).toHaveLength(0);
  });

  it("plan's PR files are byte for byte the bodies --dry-run=full would send, and the plan dry run prints the same", async () => {
    const p = await run(['plan', '--config', ws.config, '--out', join(ws.dir, 'o-plan')]);
    expect(p.code).toBe(0);
    const planned = plannedBodies(join(ws.dir, 'o-plan'));
    const full = await run([
      'run',
      '--config',
      ws.config,
      '--out',
      join(ws.dir, 'o-full'),
      '--dry-run',
      'full',
    ]);
    expect(full.code).toBe(0);
    const sent = printedBodies(full.out);
    expect(sent.size).toBeGreaterThanOrEqual(3);
    expect([...planned.keys()].sort()).toEqual([...sent.keys()].sort());
    for (const [branch, body] of sent) expect(planned.get(branch)).toBe(body);
    const offline = await run([
      'run',
      '--config',
      ws.config,
      '--out',
      join(ws.dir, 'o-dry'),
      '--dry-run',
      'plan',
    ]);
    expect(printedBodies(offline.out)).toEqual(sent);
    // Cluster-level configuration travels apart from every namespace's workloads.
    const overcommit = sent.get('tidemark/demo/cluster.overcommit')!;
    expect(overcommit).toContain('configmap/slo-controller-config');
    expect(overcommit).not.toMatch(/^\| deployment\//m);
    for (const [branch, body] of sent)
      if (branch !== 'tidemark/demo/cluster.overcommit') expect(body).not.toContain('slo-controller-config');
  });

  it('--dry-run=plan and --dry-run=full take the same decisions; plan says what it could not know', async () => {
    const config = readFileSync(ws.config, 'utf8').replace('prHourlyLimit: 0', 'prHourlyLimit: 2');
    const limited = join(ws.dir, 'limited.yaml');
    writeFileSync(limited, config);
    const decisions = (out: string) =>
      [...out.matchAll(/^(created|limited)\s+(?:#\d+)?\s*(tidemark\/\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    const full = await run(['run', '--config', limited, '--out', join(ws.dir, 'o6'), '--dry-run', 'full']);
    const plan = await run(['run', '--config', limited, '--out', join(ws.dir, 'o7'), '--dry-run', 'plan']);
    expect(full.code).toBe(0);
    expect(plan.code).toBe(0);
    expect(decisions(full.out).length).toBeGreaterThanOrEqual(3);
    expect(decisions(plan.out)).toEqual(decisions(full.out));
    expect(decisions(plan.out).filter((d) => d.startsWith('limited'))).toHaveLength(
      decisions(plan.out).length - 2,
    );
    expect(full.out).toMatch(/limited .* — 2 PRs created this hour \(limit 2\)\n/);
    expect(plan.out).toMatch(
      /limited .* — 2 PRs created this hour \(limit 2\), counting only this run's PRs: GitHub's are not read in a plan dry run/,
    );
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
    // What GitHub received is what `run` wrote as the PR files of its plan.
    const planned = plannedBodies(join(ws.dir, 'o3'));
    for (const p of pulls) expect(p.body).toBe(planned.get(p.head));
    for (const p of pulls) expect(p.body).toContain(`Cost board: [report.html](${REPORT_URL})`);
    // Beside plan.json: the report and pulls.json, both linking every PR the run left open.
    const pullsDoc = JSON.parse(readFileSync(join(ws.dir, 'o3', 'pulls.json'), 'utf8'));
    expect(getValidator('https://tidemark.io/schemas/pulls.json')(pullsDoc)).toBe(true);
    const linked = (xs: { number: number; url: string }[]) =>
      xs.map((x) => [x.number, x.url]).sort((a, b) => Number(a[0]) - Number(b[0]));
    const expected = pulls.map((p) => [p.number, `${gh.url}/${OWNER}/${REPO}/pull/${p.number}`]);
    expect(linked(pullsDoc.pulls)).toEqual(expected.sort((a, b) => Number(a[0]) - Number(b[0])));
    const board = reportData(join(ws.dir, 'o3', 'report.html'));
    expect(linked(board.pulls)).toEqual(linked(pullsDoc.pulls));
    // Each PR's workloads are its group's: those of its namespace (grouping: namespace), or the
    // cluster-wide concern's (a branch like tidemark/demo/cluster.overcommit).
    for (const p of pullsDoc.pulls as { branch: string; workloads: string[] }[]) {
      expect(p.workloads.length).toBeGreaterThan(0);
      const slug = p.branch.split('/').at(-1)!;
      if (!slug.startsWith('cluster.'))
        expect(p.workloads.filter((w) => w.split('/')[1] !== slug)).toEqual([]);
    }
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
      'full',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/=== tidemark\/demo\/[a-z-]+: /);
    // Offline there is nothing to clone: a plan dry run says so before planning.
    const gitRequests = git.requests.length;
    const offline = await run([
      'run',
      '--config',
      join(dir, 'tidemark.yaml'),
      '--out',
      join(dir, 'out-offline'),
      '--dry-run',
      'plan',
    ]);
    expect(offline.code).toBe(2);
    expect(offline.logs).toMatch(
      /clusters\[0\]\.repo\.clone: --dry-run plan works offline on a local checkout, and this cluster has repo: \{ clone: true \}: give repo\.path \(a checkout of platform\/gitops\)/,
    );
    expect(git.requests.length).toBe(gitRequests);
    // `plan` alone cannot clone: a clear config error.
    const p = await run(['plan', '--config', join(dir, 'tidemark.yaml'), '--out', join(dir, 'out2')]);
    expect(p.code).toBe(2);
    expect(p.logs).toMatch(/only `tidemark run` clones the repository/);
    const v = await run(['validate', '--config', join(dir, 'tidemark.yaml')]);
    expect(v.code).toBe(2);
    expect(v.logs).toMatch(/only `tidemark run` clones the repository/);
  });

  it('an unreachable GitHub is named with its host before any planning, never as an HTTP status', async () => {
    const port = await freePort(); // nothing listens there: the connection is refused
    const config = readFileSync(ws.config, 'utf8').replace(
      `apiUrl: ${gh.url}`,
      `apiUrl: http://127.0.0.1:${port}`,
    );
    const unreachable = join(ws.dir, 'unreachable.yaml');
    writeFileSync(unreachable, config);
    const out = join(ws.dir, 'o-unreachable');
    const r = await run(['run', '--config', unreachable, '--out', out, '--dry-run', 'full']);
    expect(r.code).toBe(5);
    expect(r.logs).toContain(
      `GitHub API at 127.0.0.1:${port} unreachable: connection refused (ECONNREFUSED) (GET /repos/platform/gitops)`,
    );
    expect(r.logs).not.toMatch(/HTTP 500/);
    expect(existsSync(out)).toBe(false);
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
