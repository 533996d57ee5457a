/**
 * The GitHub implementation of Platform, with octokit. Rate limits (403/429 with Retry-After) are
 * waited out by octokit's throttling plugin, 5xx answers retried with backoff (transport.ts); a
 * host that refused or never answered is reported as unreachable, never as a status. Errors are
 * wrapped once, keeping the status and never the request (it carries the token).
 */
import { Octokit } from 'octokit';
import Bottleneck from 'bottleneck';
import { PublishError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { PullAlreadyExistsError, type Platform, type PullInfo, type RepoInfo } from '../types.js';
import { DEFAULT_TIMEOUT_MS, retryServerErrors, timedFetch } from './transport.js';

export interface GitHubPlatformOptions {
  owner: string;
  repo: string;
  baseUrl: string;
  token: string;
  logger: Logger;
  /** Retries for rate limits and server errors (default 4). */
  retries?: number;
  /**
   * Spacing between mutating requests. GitHub asks integrations to make writes serially, a second
   * apart, to stay clear of secondary rate limits; tests shorten it.
   */
  writeSpacingMs?: number;
  /** Milliseconds per second of Retry-After and of server-error backoff (tests shorten waits; default 1000). */
  retryAfterUnitMs?: number;
  /** A request (connect, answer, body) that takes longer fails as unreachable (default 30 s). */
  timeoutMs?: number;
}

const TOPIC_MARK = (topic: string): string => `<!-- tidemark:comment:${topic} -->`;

export function createGitHubPlatform(opts: GitHubPlatformOptions): Platform {
  const { owner, repo } = opts;
  const retries = opts.retries ?? 4;
  const octokit = new Octokit({
    auth: opts.token,
    baseUrl: opts.baseUrl,
    userAgent: 'tidemark',
    log: {
      debug: () => {},
      info: () => {},
      warn: (msg: string) => opts.logger.warn('github client warning', { detail: msg.split('\n')[0] }),
      error: (msg: string) => opts.logger.warn('github client error', { detail: msg.split('\n')[0] }),
    },
    request: { fetch: timedFetch(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) },
    // Replaced by retryServerErrors below: the plugin retries a failed connection as a "500".
    retry: { enabled: false },
    throttle: {
      write: new Bottleneck.Group({
        id: `tidemark-write-${owner}-${repo}`,
        maxConcurrent: 1,
        minTime: opts.writeSpacingMs ?? 1000,
      }),
      // Requests that notify people (comments, reviewers) get GitHub's longer spacing.
      notifications: new Bottleneck.Group({
        id: `tidemark-notify-${owner}-${repo}`,
        maxConcurrent: 1,
        minTime: opts.writeSpacingMs === undefined ? 3000 : opts.writeSpacingMs * 3,
      }),
      retryAfterBaseValue: opts.retryAfterUnitMs ?? 1000,
      onRateLimit: (
        retryAfter: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        opts.logger.warn('github rate limit', {
          method: options.method,
          url: options.url,
          retryAfter,
          attempt: retryCount + 1,
        });
        return retryCount < retries;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        opts.logger.warn('github secondary rate limit', {
          method: options.method,
          url: options.url,
          retryAfter,
          attempt: retryCount + 1,
        });
        return retryCount < retries;
      },
    },
  });
  retryServerErrors(octokit, { retries, unitMs: opts.retryAfterUnitMs ?? 1000, logger: opts.logger });
  let login: string | undefined;

  /** Pull requests newest first, stopping at the first page that reaches past the window. */
  async function pullsWithin(
    state: 'all' | 'closed',
    sort: 'created' | 'updated',
    keep: (p: PullInfo) => boolean,
    pastWindow: (p: PullInfo) => boolean,
  ): Promise<PullInfo[]> {
    return call('list pull requests', async () => {
      const out: PullInfo[] = [];
      const pages = octokit.paginate.iterator(octokit.rest.pulls.list, {
        owner,
        repo,
        state,
        sort,
        direction: 'desc',
        per_page: 100,
      });
      for await (const page of pages) {
        const pulls = page.data.map(toPull);
        out.push(...pulls.filter(keep));
        if (pulls.some(pastWindow)) break;
      }
      return out;
    });
  }

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classify(what, err, `${owner}/${repo}`);
    }
  }

  return {
    async whoami() {
      if (login) return login;
      // Installation tokens cannot call GET /user; the PR author is then "<app-slug>[bot]", which
      // we learn from the first PR we create or find. Personal tokens can ask.
      try {
        login = (await octokit.rest.users.getAuthenticated()).data.login;
      } catch {
        login = '';
      }
      return login;
    },
    gitToken: async () => opts.token,
    async getRepo(): Promise<RepoInfo> {
      const r = await call('get repository', () => octokit.rest.repos.get({ owner, repo }));
      return {
        defaultBranch: r.data.default_branch,
        cloneUrl: r.data.clone_url,
        allowAutoMerge: !!r.data.allow_auto_merge,
      };
    },
    async findPullsByHead(branch) {
      const items = await call('list pull requests', () =>
        octokit.paginate(octokit.rest.pulls.list, {
          owner,
          repo,
          state: 'all',
          head: `${owner}:${branch}`,
          per_page: 100,
        }),
      );
      return items.map(toPull);
    },
    async listOpenPulls() {
      const items = await call('list pull requests', () =>
        octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: 'open', per_page: 100 }),
      );
      return items.map(toPull);
    },
    listPullsCreatedSince(since) {
      return pullsWithin(
        'all',
        'created',
        (p) => p.createdAt >= since,
        (p) => p.createdAt < since,
      );
    },
    listMergedSince(since) {
      // A PR merged in the window was updated in it, so paging by update time can stop early too.
      return pullsWithin(
        'closed',
        'updated',
        (p) => p.merged && p.mergedAt !== null && p.mergedAt >= since,
        (p) => p.updatedAt < since,
      );
    },
    async createPull(p) {
      const r = await call('create pull request', async () => {
        try {
          return await octokit.rest.pulls.create({
            owner,
            repo,
            head: p.head,
            base: p.base,
            title: p.title,
            body: p.body,
            draft: p.draft,
          });
        } catch (err) {
          if (alreadyExists(err))
            throw new PullAlreadyExistsError(
              p.head,
              `GitHub create pull request failed: HTTP 422 A pull request already exists for ${p.head}`,
              { object: `${owner}/${repo}` },
            );
          throw err;
        }
      });
      login ||= r.data.user.login;
      return toPull(r.data);
    },
    async updatePull(number, p) {
      const r = await call(`update pull request #${number}`, () =>
        octokit.rest.pulls.update({ owner, repo, pull_number: number, ...p }),
      );
      return toPull(r.data);
    },
    async addLabels(number, labels) {
      if (!labels.length) return;
      await call(`label #${number}`, () =>
        octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels }),
      );
    },
    async removeLabel(number, label) {
      await call(`unlabel #${number}`, () =>
        octokit.rest.issues.removeLabel({ owner, repo, issue_number: number, name: label }),
      );
    },
    async requestReviewers(number, reviewers) {
      if (!reviewers.length) return;
      await call(`request reviewers on #${number}`, () =>
        octokit.rest.pulls.requestReviewers({ owner, repo, pull_number: number, reviewers }),
      );
    },
    async ensureComment(number, topic, body) {
      const mark = TOPIC_MARK(topic);
      const text = `${body}\n\n${mark}`;
      const comments = await call(`list comments on #${number}`, () =>
        octokit.paginate(octokit.rest.issues.listComments, {
          owner,
          repo,
          issue_number: number,
          per_page: 100,
        }),
      );
      const mine = comments.find((c) => (c.body ?? '').includes(mark));
      if (!mine) {
        await call(`comment on #${number}`, () =>
          octokit.rest.issues.createComment({ owner, repo, issue_number: number, body: text }),
        );
        return 'created';
      }
      if (mine.body === text) return 'unchanged';
      await call(`edit comment on #${number}`, () =>
        octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: text }),
      );
      return 'updated';
    },
    async requiredChecks(branch) {
      const rules = await call(`read rules of ${branch}`, () =>
        octokit.paginate(octokit.rest.repos.getBranchRules, { owner, repo, branch, per_page: 100 }),
      );
      const checks: string[] = [];
      for (const rule of rules as {
        type: string;
        parameters?: { required_status_checks?: { context: string }[] };
      }[]) {
        if (rule.type === 'required_status_checks')
          checks.push(...(rule.parameters?.required_status_checks ?? []).map((c) => c.context));
      }
      return checks;
    },
    async enableAutoMerge(pull, method) {
      await call(`enable auto-merge on #${pull.number}`, () =>
        octokit.graphql(
          // octokit reserves `method` (and `query`, `url`) as request options: never a variable name.
          'mutation($id: ID!, $mergeMethod: PullRequestMergeMethod!) { enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: $mergeMethod}) { pullRequest { id } } }',
          { id: pull.nodeId, mergeMethod: method },
        ),
      );
    },
  };
}

interface RawPull {
  number: number;
  node_id: string;
  state: string;
  merged_at: string | null;
  title: string;
  body: string | null;
  head: { ref: string };
  base: { ref: string };
  user: { login: string } | null;
  labels: { name?: string }[];
  created_at: string;
  updated_at?: string;
  closed_at: string | null;
  merged?: boolean;
  auto_merge?: unknown;
}

function toPull(p: RawPull): PullInfo {
  return {
    number: p.number,
    nodeId: p.node_id,
    state: p.state === 'open' ? 'open' : 'closed',
    merged: p.merged ?? !!p.merged_at,
    title: p.title,
    body: p.body ?? '',
    head: p.head.ref,
    base: p.base.ref,
    author: p.user?.login ?? '',
    labels: p.labels.map((l) => l.name ?? '').filter(Boolean),
    createdAt: p.created_at,
    updatedAt: p.updated_at ?? p.created_at,
    closedAt: p.closed_at,
    mergedAt: p.merged_at,
    autoMerge: p.auto_merge !== null && p.auto_merge !== undefined,
  };
}

interface HttpErrorLike {
  status?: number;
  message?: string;
  response?: {
    headers?: Record<string, string | undefined>;
    data?: { message?: string; errors?: { message?: string }[] };
  };
}

function alreadyExists(err: unknown): boolean {
  const e = err as HttpErrorLike;
  return (
    e.status === 422 &&
    (e.response?.data?.errors ?? []).some((x) => /a pull request already exists/i.test(x.message ?? ''))
  );
}

/**
 * One typed error per failure, keeping the status and GitHub's message and never the request (it
 * carries the token). A 403 is a rate limit only when GitHub says so (remaining 0, or a secondary
 * limit message); any other 403 ("Resource not accessible by integration") is missing permission,
 * which waiting would never fix.
 */
export function classify(what: string, err: unknown, object: string): PublishError {
  if (err instanceof PublishError) return err;
  const e = err as HttpErrorLike;
  const status = e.status;
  const message = (e.response?.data?.message ?? '').slice(0, 200);
  const rateLimited =
    status === 429 ||
    (status === 403 &&
      (e.response?.headers?.['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message)));
  if (status === 403 && !rateLimited)
    return new PublishError(
      'platform-auth',
      `GitHub ${what} failed: HTTP 403${message ? ` ${message}` : ''}: the token lacks a permission this needs ` +
        '(a GitHub App or fine-grained token needs Contents: write and Pull requests: write on the repository; ' +
        'reading required checks needs Metadata: read)',
      { object },
    );
  const code = status === 401 ? 'platform-auth' : rateLimited ? 'platform-rate-limited' : 'platform-failed';
  // GraphQL failures arrive without an HTTP error status, the reasons in `errors`.
  const graphqlErrors = ((err as { errors?: { message?: string }[] }).errors ?? [])
    .map((x) => x.message ?? '')
    .join('; ');
  const detail = (
    message ||
    graphqlErrors ||
    (status === undefined ? (e.message ?? '').split('\n')[0]! : '')
  ).slice(0, 200);
  return new PublishError(
    code,
    `GitHub ${what} failed: ${status !== undefined ? `HTTP ${status}` : graphqlErrors ? 'GraphQL' : 'no response'}${detail ? ` ${detail}` : ''}`,
    { object },
  );
}
