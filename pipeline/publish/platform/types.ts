import { PublishError } from '../../core/errors.js';

/**
 * What the publish stage needs from a Git hosting platform. Only GitHub is implemented; the
 * interface keeps GitHub knowledge in platform/github/ and lets the lifecycle be tested through
 * the contract-checked fake.
 */
export interface PullInfo {
  number: number;
  nodeId: string;
  state: 'open' | 'closed';
  merged: boolean;
  title: string;
  body: string;
  head: string;
  base: string;
  author: string;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  /** GitHub auto-merge is enabled on this PR. */
  autoMerge: boolean;
}

export interface RepoInfo {
  defaultBranch: string;
  cloneUrl: string;
  allowAutoMerge: boolean;
}

export interface Platform {
  /** The login our writes appear under (e.g. "tidemark[bot]"). */
  whoami(): Promise<string>;
  /** Token for git over HTTPS; passed per command, never stored. */
  gitToken(): Promise<string>;
  getRepo(): Promise<RepoInfo>;
  /** Every PR (any state) whose head is this branch in our repository. */
  findPullsByHead(branch: string): Promise<PullInfo[]>;
  /** Open PRs, all pages. */
  listOpenPulls(): Promise<PullInfo[]>;
  /** PRs merged at or after the time (ISO). */
  listMergedSince(since: string): Promise<PullInfo[]>;
  /** PRs created at or after the time (ISO), any state. */
  listPullsCreatedSince(since: string): Promise<PullInfo[]>;
  createPull(p: {
    head: string;
    base: string;
    title: string;
    body: string;
    draft: boolean;
  }): Promise<PullInfo>;
  updatePull(
    number: number,
    p: { title?: string; body?: string; state?: 'open' | 'closed' },
  ): Promise<PullInfo>;
  addLabels(number: number, labels: string[]): Promise<void>;
  removeLabel(number: number, label: string): Promise<void>;
  requestReviewers(number: number, reviewers: string[]): Promise<void>;
  /** One comment per topic, edited (never repeated) when the text changes. */
  ensureComment(number: number, topic: string, body: string): Promise<'created' | 'updated' | 'unchanged'>;
  /** Required status checks on the branch (rulesets / branch protection), read-only access. */
  requiredChecks(branch: string): Promise<string[]>;
  enableAutoMerge(pull: PullInfo, method: 'MERGE' | 'SQUASH' | 'REBASE'): Promise<void>;
}

/**
 * GitHub's 422 "A pull request already exists" on create: an open PR already uses the head branch
 * (typically ours with the hidden marker removed by a human). The lifecycle treats that PR as a
 * human's rather than failing every later run.
 */
export class PullAlreadyExistsError extends PublishError {
  constructor(
    readonly head: string,
    message: string,
    context: { object?: string } = {},
  ) {
    super('platform-failed', message, context);
  }
}
