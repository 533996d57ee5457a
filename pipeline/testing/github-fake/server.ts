/**
 * A local stand-in for GitHub's REST and GraphQL API, for the publish tests: GitHub cannot run
 * here, so this implements the calls Tidemark makes, keeps branch state in a real git remote,
 * and checks every request and response against GitHub's published contract (contract.ts,
 * graphql.ts). It behaves like GitHub where it matters: small pages with Link headers,
 * `head=owner:branch` filtering, 422 "A pull request already exists", 401 bad credentials,
 * 403/429 rate limits with their headers, GitHub App installation tokens from a signed JWT.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createVerify, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { GitHubContract, type MatchedOperation } from './contract.js';
import { executeGraphql, validateGraphqlRequest, GitHubGraphqlAnswer } from './graphql.js';
import type { GitRemote } from '../git-remote.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface FakeUser {
  login: string;
  type: 'User' | 'Bot';
}

export interface FakePull {
  number: number;
  node_id: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  head: string;
  headOwner: string;
  base: string;
  user: FakeUser;
  labels: string[];
  reviewers: string[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
  auto_merge: null | {
    merge_method: 'merge' | 'squash' | 'rebase';
    enabled_by: FakeUser;
    commit_title: string;
    commit_message: string;
  };
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
}

export interface FakeRepo {
  owner: string;
  name: string;
  defaultBranch: string;
  allowAutoMerge: boolean;
  /** Rules returned by GET /rules/branches/{branch} (branch protection via rulesets). */
  rules: any[];
  pulls: FakePull[];
  comments: FakeComment[];
  next: number;
}

export interface RecordedCall {
  method: string;
  path: string;
  /** The query string without "?" (e.g. "state=open&per_page=100&page=2"). */
  query: string;
  operationId?: string;
  status: number;
  requestBody?: unknown;
  user?: string;
  at: number;
}

export interface Fault {
  method?: string;
  path: RegExp;
  /** Matched against the query string (without "?"), e.g. /head=/ for one kind of list call. */
  query?: RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many times (default 1). */
  times?: number;
}

export interface FakeGitHubOptions {
  git?: GitRemote;
  /** Caps per_page, to exercise pagination with few objects. */
  maxPerPage?: number;
  tokens?: Record<string, FakeUser>;
  app?: { id: number; slug: string; publicKeyPem: string; installationId: number };
  /** The clock the fake stamps objects with (ms). */
  now?: () => number;
}

export interface FakeGitHub {
  url: string;
  repos: Map<string, FakeRepo>;
  calls: RecordedCall[];
  violations: string[];
  addRepo(
    owner: string,
    name: string,
    opts?: Partial<Pick<FakeRepo, 'defaultBranch' | 'allowAutoMerge' | 'rules'>>,
  ): FakeRepo;
  repo(owner: string, name: string): FakeRepo;
  addToken(token: string, user: FakeUser): void;
  inject(fault: Fault): void;
  writes(): RecordedCall[];
  /** What a human does in the UI. */
  human: {
    closePull(owner: string, repo: string, number: number, login?: string): void;
    mergePull(owner: string, repo: string, number: number): void;
    addLabel(owner: string, repo: string, number: number, label: string): void;
    removeLabel(owner: string, repo: string, number: number, label: string): void;
    editBody(owner: string, repo: string, number: number, body: string): void;
  };
  assertNoViolations(): void;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';

export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const contract = GitHubContract.load();
  const now = opts.now ?? (() => Date.now());
  const repos = new Map<string, FakeRepo>();
  const tokens = new Map<string, FakeUser>(Object.entries(opts.tokens ?? {}));
  const calls: RecordedCall[] = [];
  const violations: string[] = [];
  const faults: Fault[] = [];
  let commentIds = 1000;
  let base = '';

  const iso = (): string => new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const repoKey = (o: string, n: string): string => `${o}/${n}`.toLowerCase();

  function findRepo(owner: string, name: string): FakeRepo | undefined {
    return repos.get(repoKey(owner, name));
  }

  function userJson(u: FakeUser): any {
    // Apps act as "<slug>[bot]"; their profile lives under /apps/<slug>.
    const bot = /^(.+)\[bot\]$/.exec(u.login);
    return {
      ...contract.skeleton('simple-user'),
      login: u.login,
      type: u.type,
      id: hashId(u.login),
      node_id: `U_${u.login.replace(/\W/g, '_')}`,
      html_url: bot
        ? `https://github.com/apps/${encodeURIComponent(bot[1]!)}`
        : `https://github.com/${encodeURIComponent(u.login)}`,
    };
  }

  function branchSha(r: FakeRepo, ref: string): string | undefined {
    if (!opts.git) return 'f'.repeat(40);
    try {
      return (
        execFileSync(
          'git',
          [
            '--git-dir',
            opts.git.bareDir(r.owner, r.name),
            'rev-parse',
            '--verify',
            '--quiet',
            `refs/heads/${ref}`,
          ],
          { encoding: 'utf8' },
        ).trim() || undefined
      );
    } catch {
      return undefined;
    }
  }

  function repoJson(r: FakeRepo): any {
    const owner = { ...userJson({ login: r.owner, type: 'User' }), type: 'Organization' };
    return {
      ...contract.skeleton('full-repository'),
      id: hashId(`${r.owner}/${r.name}`),
      node_id: `R_${r.owner}_${r.name}`,
      name: r.name,
      full_name: `${r.owner}/${r.name}`,
      owner,
      private: true,
      default_branch: r.defaultBranch,
      allow_auto_merge: r.allowAutoMerge,
      html_url: `https://github.com/${r.owner}/${r.name}`,
      clone_url: opts.git ? opts.git.repoUrl(r.owner, r.name) : `https://github.com/${r.owner}/${r.name}.git`,
    };
  }

  function labelJson(name: string): any {
    return {
      ...contract.skeleton('label'),
      id: hashId(`label:${name}`),
      node_id: `LA_${name}`,
      name,
      color: 'ededed',
      description: '',
      default: false,
    };
  }

  function pullJson(r: FakeRepo, p: FakePull, full: boolean): any {
    const skeleton = contract.skeleton(full ? 'pull-request' : 'pull-request-simple');
    const api = `${base}/repos/${r.owner}/${r.name}`;
    const ref = (name: string, owner: string): any => ({
      label: `${owner}:${name}`,
      ref: name,
      sha: branchSha(r, name) ?? '0'.repeat(40),
      user: userJson({ login: owner, type: 'User' }),
      repo: { ...contract.skeleton('repository'), ...repoJson(r) },
    });
    const out: any = {
      ...skeleton,
      id: hashId(`${r.owner}/${r.name}#${p.number}`),
      node_id: p.node_id,
      number: p.number,
      title: p.title,
      body: p.body,
      state: p.state,
      locked: false,
      draft: p.draft,
      user: userJson(p.user),
      labels: p.labels.map(labelJson),
      requested_reviewers: p.reviewers.map((login) => userJson({ login, type: 'User' })),
      head: ref(p.head, p.headOwner),
      base: ref(p.base, r.owner),
      created_at: p.created_at,
      updated_at: p.updated_at,
      closed_at: p.closed_at,
      merged_at: p.merged_at,
      url: `${api}/pulls/${p.number}`,
      html_url: `https://github.com/${r.owner}/${r.name}/pull/${p.number}`,
      auto_merge: p.auto_merge
        ? {
            enabled_by: userJson(p.auto_merge.enabled_by),
            merge_method: p.auto_merge.merge_method,
            commit_title: p.auto_merge.commit_title,
            commit_message: p.auto_merge.commit_message,
          }
        : null,
    };
    if (full)
      Object.assign(out, {
        merged: p.merged,
        mergeable: true,
        mergeable_state: 'clean',
        merged_by: null,
        comments: r.comments.filter((c) => c.issue === p.number).length,
      });
    return out;
  }

  function commentJson(r: FakeRepo, c: FakeComment): any {
    return {
      ...contract.skeleton('issue-comment'),
      id: c.id,
      node_id: `IC_${c.id}`,
      body: c.body,
      user: userJson(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      url: `${base}/repos/${r.owner}/${r.name}/issues/comments/${c.id}`,
      html_url: `https://github.com/${r.owner}/${r.name}/pull/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${base}/repos/${r.owner}/${r.name}/issues/${c.issue}`,
    };
  }

  function authenticate(req: IncomingMessage): { user?: FakeUser; app?: boolean } {
    const h = req.headers.authorization ?? '';
    const m = /^(token|bearer)\s+(.+)$/i.exec(h);
    if (!m) return {};
    const cred = m[2]!.trim();
    if (opts.app && cred.split('.').length === 3 && verifyAppJwt(cred, opts.app, now())) return { app: true };
    const user = tokens.get(cred);
    return user ? { user } : {};
  }

  function paginate<T>(req: URL, items: T[], res: ServerResponse): T[] {
    const requested = Number(req.searchParams.get('per_page') ?? '30');
    const perPage = Math.max(1, Math.min(100, requested, opts.maxPerPage ?? 100));
    const page = Math.max(1, Number(req.searchParams.get('page') ?? '1'));
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const links: string[] = [];
    const link = (p: number, rel: string): string => {
      const u = new URL(req.toString());
      u.searchParams.set('page', String(p));
      u.searchParams.set('per_page', String(perPage));
      return `<${base}${u.pathname}${u.search}>; rel="${rel}"`;
    };
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
    if (links.length) res.setHeader('Link', links.join(', '));
    return items.slice((page - 1) * perPage, page * perPage);
  }

  type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
  const err = (status: number, message: string, extra: Record<string, unknown> = {}): Reply => ({
    status,
    body: { message, documentation_url: DOCS, ...extra },
  });

  async function route(
    m: MatchedOperation,
    url: URL,
    body: any,
    who: { user?: FakeUser; app?: boolean },
    res: ServerResponse,
  ): Promise<Reply> {
    const p = m.pathParams;
    const id = m.op.operationId;
    if (id === 'apps/create-installation-access-token') {
      if (!who.app || Number(p.installation_id) !== opts.app?.installationId)
        return err(401, 'A JSON web token could not be decoded');
      const token = `ghs_${randomBytes(18).toString('hex')}`;
      tokens.set(token, { login: `${opts.app.slug}[bot]`, type: 'Bot' });
      return {
        status: 201,
        body: {
          ...contract.skeleton('installation-token'),
          token,
          expires_at: new Date(now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          permissions: { contents: 'write', pull_requests: 'write' },
          repository_selection: 'selected',
        },
      };
    }
    if (id === 'apps/get-repo-installation' || id === 'apps/get-authenticated') {
      if (!who.app) return err(401, 'A JSON web token could not be decoded');
      if (id === 'apps/get-authenticated')
        return {
          status: 200,
          body: {
            ...contract.skeleton('integration'),
            id: opts.app!.id,
            slug: opts.app!.slug,
            name: opts.app!.slug,
          },
        };
      if (!findRepo(p.owner!, p.repo!)) return err(404, 'Not Found');
      return {
        status: 200,
        body: {
          ...contract.skeleton('installation'),
          id: opts.app!.installationId,
          app_id: opts.app!.id,
          app_slug: opts.app!.slug,
        },
      };
    }
    if (!who.user) return err(401, 'Bad credentials', { status: '401' });
    if (id === 'users/get-authenticated') {
      // Installation tokens are not users: GitHub answers 403 for them.
      if (who.user.type === 'Bot') return err(403, 'Resource not accessible by integration');
      return { status: 200, body: { ...contract.skeleton('private-user'), ...userJson(who.user) } };
    }
    const r = p.owner && p.repo ? findRepo(p.owner, p.repo) : undefined;
    if (p.owner && p.repo && !r) return err(404, 'Not Found', { status: '404' });
    const repo = r!;
    const pull = p.pull_number ?? p.issue_number;
    const pr = pull ? repo.pulls.find((x) => x.number === Number(pull)) : undefined;

    switch (id) {
      case 'repos/get':
        return { status: 200, body: repoJson(repo) };
      case 'repos/get-branch-rules':
        return { status: 200, body: paginate(url, repo.rules, res) };
      case 'pulls/list': {
        const state = url.searchParams.get('state') ?? 'open';
        const head = url.searchParams.get('head');
        const baseRef = url.searchParams.get('base');
        let items = repo.pulls.filter((x) => state === 'all' || x.state === state);
        if (head) {
          const [owner, ref] = head.includes(':') ? head.split(':') : [repo.owner, head];
          items = items.filter((x) => x.head === ref && x.headOwner.toLowerCase() === owner!.toLowerCase());
        }
        if (baseRef) items = items.filter((x) => x.base === baseRef);
        const sort = url.searchParams.get('sort') ?? 'created';
        const dir = url.searchParams.get('direction') ?? (sort === 'created' ? 'desc' : 'desc');
        const key = sort === 'updated' ? 'updated_at' : 'created_at';
        items = [...items].sort(
          (a, b) =>
            (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : a.number - b.number) * (dir === 'asc' ? 1 : -1),
        );
        return { status: 200, body: paginate(url, items, res).map((x) => pullJson(repo, x, false)) };
      }
      case 'pulls/create': {
        const [headOwner, headRef] = String(body.head).includes(':')
          ? String(body.head).split(':')
          : [repo.owner, String(body.head)];
        if (!branchSha(repo, headRef!))
          return err(422, 'Validation Failed', {
            errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
          });
        if (!branchSha(repo, body.base))
          return err(422, 'Validation Failed', {
            errors: [{ resource: 'PullRequest', field: 'base', code: 'invalid' }],
          });
        if (repo.pulls.some((x) => x.state === 'open' && x.head === headRef && x.base === body.base)) {
          return err(422, 'Validation Failed', {
            errors: [
              {
                resource: 'PullRequest',
                code: 'custom',
                message: `A pull request already exists for ${headOwner}:${headRef}.`,
              },
            ],
          });
        }
        const t = iso();
        const created: FakePull = {
          number: repo.next++,
          node_id: `PR_${randomBytes(6).toString('hex')}`,
          title: body.title,
          body: body.body ?? null,
          state: 'open',
          merged: false,
          draft: !!body.draft,
          head: headRef!,
          headOwner: headOwner!,
          base: body.base,
          user: who.user,
          labels: [],
          reviewers: [],
          created_at: t,
          updated_at: t,
          closed_at: null,
          merged_at: null,
          auto_merge: null,
        };
        repo.pulls.push(created);
        return { status: 201, body: pullJson(repo, created, true) };
      }
      case 'pulls/get':
        if (!pr) return err(404, 'Not Found', { status: '404' });
        return { status: 200, body: pullJson(repo, pr, true) };
      case 'pulls/update': {
        if (!pr)
          return err(422, 'Validation Failed', { errors: [{ resource: 'PullRequest', code: 'missing' }] });
        if (body.title !== undefined) pr.title = body.title;
        if (body.body !== undefined) pr.body = body.body;
        if (body.base !== undefined) pr.base = body.base;
        if (body.state === 'closed' && pr.state === 'open') {
          pr.state = 'closed';
          pr.closed_at = iso();
        } else if (body.state === 'open' && pr.state === 'closed') {
          if (pr.merged)
            return err(422, 'Validation Failed', {
              errors: [
                { resource: 'PullRequest', code: 'custom', message: 'cannot reopen a merged pull request' },
              ],
            });
          if (!branchSha(repo, pr.head))
            return err(422, 'Validation Failed', {
              errors: [{ resource: 'PullRequest', field: 'state', code: 'invalid' }],
            });
          pr.state = 'open';
          pr.closed_at = null;
        }
        pr.updated_at = iso();
        return { status: 200, body: pullJson(repo, pr, true) };
      }
      case 'pulls/request-reviewers':
        if (!pr) return err(422, 'Validation Failed');
        for (const login of body.reviewers ?? []) if (!pr.reviewers.includes(login)) pr.reviewers.push(login);
        return { status: 201, body: pullJson(repo, pr, false) };
      case 'issues/list-labels-on-issue':
        if (!pr) return err(404, 'Not Found');
        return { status: 200, body: paginate(url, pr.labels, res).map(labelJson) };
      case 'issues/add-labels': {
        if (!pr) return err(404, 'Not Found');
        const names: string[] = Array.isArray(body)
          ? body
          : Array.isArray(body?.labels)
            ? body.labels.map((l: any) => (typeof l === 'string' ? l : l.name))
            : [];
        for (const n of names) if (!pr.labels.includes(n)) pr.labels.push(n);
        pr.updated_at = iso();
        return { status: 200, body: pr.labels.map(labelJson) };
      }
      case 'issues/remove-label': {
        if (!pr || !pr.labels.includes(p.name!)) return err(404, 'Label does not exist');
        pr.labels = pr.labels.filter((l) => l !== p.name);
        return { status: 200, body: pr.labels.map(labelJson) };
      }
      case 'issues/list-comments': {
        if (!pr) return err(404, 'Not Found');
        const items = repo.comments.filter((c) => c.issue === pr.number);
        return { status: 200, body: paginate(url, items, res).map((c) => commentJson(repo, c)) };
      }
      case 'issues/create-comment': {
        if (!pr) return err(404, 'Not Found');
        const t = iso();
        const c: FakeComment = {
          id: commentIds++,
          issue: pr.number,
          body: body.body,
          user: who.user,
          created_at: t,
          updated_at: t,
        };
        repo.comments.push(c);
        return { status: 201, body: commentJson(repo, c) };
      }
      case 'issues/update-comment': {
        const c = repo.comments.find((x) => x.id === Number(p.comment_id));
        if (!c) return err(404, 'Not Found');
        c.body = body.body;
        c.updated_at = iso();
        return { status: 200, body: commentJson(repo, c) };
      }
      default:
        return err(404, `the fake does not implement ${id}`);
    }
  }

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    let body: any;
    try {
      body = raw.length ? JSON.parse(raw) : undefined;
    } catch {
      return send(res, { status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS } });
    }
    const who = authenticate(req);
    const method = req.method ?? 'GET';
    const record: RecordedCall = {
      method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      status: 0,
      requestBody: body,
      user: who.user?.login,
      at: now(),
    };
    calls.push(record);

    const fault = faults.find(
      (f) =>
        (!f.method || f.method === method) &&
        f.path.test(url.pathname) &&
        (!f.query || f.query.test(url.search.replace(/^\?/, ''))),
    );
    if (fault) {
      // A faulted request is still checked against the contract, and so is the injected answer:
      // a test that injects a status GitHub never sends, or hides a bad request behind a fault,
      // fails like any other mismatch.
      const reply: Reply = {
        status: fault.status,
        headers: fault.headers,
        body: fault.body ?? { message: 'injected', documentation_url: DOCS },
      };
      if (url.pathname === '/graphql' && method === 'POST') {
        record.operationId = 'graphql';
        for (const v of validateGraphqlRequest(body ?? {})) violations.push(`graphql: ${v}`);
      } else {
        const fm = contract.match(method, url.pathname);
        if (!fm) violations.push(`${method} ${url.pathname} is not an operation of GitHub's REST API`);
        else {
          record.operationId = fm.op.operationId;
          for (const v of contract.validateRequest(fm, url.searchParams, body))
            violations.push(`request: ${v}`);
          for (const v of contract.validateResponse(fm, reply.status, reply.body))
            violations.push(`injected response: ${v}`);
        }
      }
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      record.status = fault.status;
      return send(res, reply);
    }

    if (url.pathname === '/graphql' && method === 'POST') {
      if (!who.user)
        return send(res, { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS } });
      const out = await executeGraphql(body ?? {}, graphqlRoot(who.user));
      for (const v of out.validationErrors) violations.push(`graphql: ${v}`);
      record.operationId = 'graphql';
      record.status = out.status;
      return send(res, { status: out.status, body: out.payload });
    }

    const m = contract.match(method, url.pathname);
    if (!m) {
      violations.push(`${method} ${url.pathname} is not an operation of GitHub's REST API`);
      record.status = 404;
      return send(res, { status: 404, body: { message: 'Not Found', documentation_url: DOCS } });
    }
    record.operationId = m.op.operationId;
    for (const v of contract.validateRequest(m, url.searchParams, body)) violations.push(`request: ${v}`);
    let reply: Reply;
    try {
      reply = await route(m, url, body ?? {}, who, res);
    } catch (e) {
      violations.push(`fake crashed on ${m.op.operationId}: ${(e as Error).message}`);
      reply = { status: 500, body: { message: 'fake error' } };
    }
    for (const v of contract.validateResponse(m, reply.status, reply.body)) violations.push(`response: ${v}`);
    record.status = reply.status;
    send(res, reply);
  });

  function graphqlRoot(user: FakeUser): any {
    const byNode = (nodeId: string): { repo: FakeRepo; pr: FakePull } | undefined => {
      for (const repo of repos.values()) {
        const pr = repo.pulls.find((x) => x.node_id === nodeId);
        if (pr) return { repo, pr };
      }
      return undefined;
    };
    const prNode = (repo: FakeRepo, pr: FakePull): any => ({
      id: pr.node_id,
      number: pr.number,
      autoMergeRequest: pr.auto_merge
        ? {
            enabledAt: pr.updated_at,
            mergeMethod: pr.auto_merge.merge_method.toUpperCase(),
            commitHeadline: pr.auto_merge.commit_title,
          }
        : null,
    });
    return {
      repository: ({ owner, name }: { owner: string; name: string }) => {
        const repo = findRepo(owner, name);
        if (!repo) return null;
        return {
          pullRequest: ({ number }: { number: number }) => {
            const pr = repo.pulls.find((x) => x.number === number);
            return pr ? prNode(repo, pr) : null;
          },
        };
      },
      enablePullRequestAutoMerge: ({ input }: { input: any }) => {
        const found = byNode(input.pullRequestId);
        if (!found)
          throw new GitHubGraphqlAnswer(
            `Could not resolve to a node with the global id of '${input.pullRequestId}'`,
          );
        if (!found.repo.allowAutoMerge)
          throw new GitHubGraphqlAnswer('Pull request Auto merge is not allowed for this repository');
        if (!found.repo.rules.some((r) => r.type === 'required_status_checks'))
          throw new GitHubGraphqlAnswer('Pull request is in clean status');
        found.pr.auto_merge = {
          merge_method: String(input.mergeMethod ?? 'MERGE').toLowerCase() as 'merge',
          enabled_by: user,
          commit_title: input.commitHeadline ?? found.pr.title,
          commit_message: input.commitBody ?? '',
        };
        return {
          clientMutationId: input.clientMutationId ?? null,
          pullRequest: prNode(found.repo, found.pr),
        };
      },
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeGitHub = {
    url: base,
    repos,
    calls,
    violations,
    addRepo(owner, name, o = {}) {
      const r: FakeRepo = {
        owner,
        name,
        defaultBranch: o.defaultBranch ?? 'main',
        allowAutoMerge: o.allowAutoMerge ?? false,
        rules: o.rules ?? [],
        pulls: [],
        comments: [],
        next: 1,
      };
      repos.set(repoKey(owner, name), r);
      opts.git?.createRepo(owner, name);
      return r;
    },
    repo(owner, name) {
      const r = findRepo(owner, name);
      if (!r) throw new Error(`no repo ${owner}/${name}`);
      return r;
    },
    addToken: (token, user) => void tokens.set(token, user),
    inject: (f) => void faults.push({ times: 1, ...f }),
    writes: () =>
      calls.filter(
        (c) =>
          c.method !== 'GET' &&
          !(c.operationId === 'graphql' && !/mutation/.test(JSON.stringify(c.requestBody ?? ''))),
      ),
    human: {
      closePull(owner, repo, number, login = 'alice') {
        const pr = fake.repo(owner, repo).pulls.find((x) => x.number === number)!;
        pr.state = 'closed';
        pr.closed_at = iso();
        pr.updated_at = iso();
        void login;
      },
      mergePull(owner, repo, number) {
        const pr = fake.repo(owner, repo).pulls.find((x) => x.number === number)!;
        pr.state = 'closed';
        pr.merged = true;
        pr.merged_at = pr.closed_at = pr.updated_at = iso();
      },
      addLabel(owner, repo, number, label) {
        const pr = fake.repo(owner, repo).pulls.find((x) => x.number === number)!;
        if (!pr.labels.includes(label)) pr.labels.push(label);
      },
      removeLabel(owner, repo, number, label) {
        const pr = fake.repo(owner, repo).pulls.find((x) => x.number === number)!;
        pr.labels = pr.labels.filter((l) => l !== label);
      },
      editBody(owner, repo, number, body) {
        const pr = fake.repo(owner, repo).pulls.find((x) => x.number === number)!;
        pr.body = body;
        pr.updated_at = iso();
      },
    },
    assertNoViolations() {
      if (violations.length) throw new Error(`GitHub contract violations:\n${violations.join('\n')}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
  return fake;

  function send(res: ServerResponse, reply: Reply): void {
    const reset = Math.floor(now() / 1000) + 3600;
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining':
        reply.status === 403 && /rate limit/i.test(JSON.stringify(reply.body)) ? '0' : '4999',
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      ...(reply.headers ?? {}),
    });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function hashId(s: string): number {
  let h = 7;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) % 2_000_000_000;
  return h + 1;
}

function verifyAppJwt(jwt: string, app: NonNullable<FakeGitHubOptions['app']>, nowMs: number): boolean {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    if (header.alg !== 'RS256') return false;
    const ok = createVerify('RSA-SHA256')
      .update(`${h}.${p}`)
      .verify(app.publicKeyPem, Buffer.from(s, 'base64url'));
    const t = Math.floor(nowMs / 1000);
    return (
      ok &&
      String(payload.iss) === String(app.id) &&
      payload.exp > t &&
      payload.iat <= t + 60 &&
      payload.exp - payload.iat <= 600
    );
  } catch {
    return false;
  }
}
