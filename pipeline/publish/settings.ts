/** The `publish.github` config section (validated by config-publish.schema.json) as settings. */
import { ConfigError } from '../core/errors.js';
import type { PipelineConfig } from '../config/types.js';
import type { AuthConfig } from './platform/github/auth.js';
import { DEFAULT_SETTINGS, type PublishSettings } from './publish.js';
import type { Grouping } from './pr/grouping.js';
import type { WatchSettings } from './watch.js';

export interface GitHubPublishConfig {
  owner: string;
  repo: string;
  baseBranch?: string;
  apiUrl?: string;
  gitUrl?: string;
  auth?: AuthConfig;
  labels?: string[];
  reviewers?: string[];
  draft?: boolean;
  automerge?:
    boolean | { enabled?: boolean; mergeMethod?: 'MERGE' | 'SQUASH' | 'REBASE'; maxRisk?: 'low' | 'medium' };
  prConcurrentLimit?: number;
  prHourlyLimit?: number;
  grouping?: Grouping;
  branchPrefix?: string;
  rebaseLabel?: string;
  commitIdentity?: { name: string; email: string };
  watch?: Partial<WatchSettings>;
}

export interface ResolvedPublish {
  settings: PublishSettings;
  apiUrl: string;
  auth: AuthConfig | undefined;
}

/**
 * What shapes each PR (grouping, branch, labels, base) from publish.github when the config has
 * it, else the defaults: `plan` previews the PRs without GitHub, with or without a publish section.
 */
export function pullShapeFrom(
  config: PipelineConfig,
): Pick<PublishSettings, 'labels' | 'grouping' | 'branchPrefix' | 'baseBranch'> {
  const gh = (config.raw.publish as { github?: GitHubPublishConfig } | undefined)?.github;
  return {
    labels: gh?.labels ?? DEFAULT_SETTINGS.labels,
    grouping: gh?.grouping ?? DEFAULT_SETTINGS.grouping,
    branchPrefix: gh?.branchPrefix ?? DEFAULT_SETTINGS.branchPrefix,
    baseBranch: gh?.baseBranch,
  };
}

export function publishSettingsFrom(config: PipelineConfig): ResolvedPublish {
  const gh = (config.raw.publish as { github?: GitHubPublishConfig } | undefined)?.github;
  if (!gh)
    throw new ConfigError('`tidemark run` publishes pull requests: the config needs publish.github', {
      file: config.file,
      field: 'publish.github',
    });
  const automerge =
    typeof gh.automerge === 'boolean'
      ? { ...DEFAULT_SETTINGS.automerge, enabled: gh.automerge }
      : { ...DEFAULT_SETTINGS.automerge, ...(gh.automerge ?? {}) };
  return {
    apiUrl: (gh.apiUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
    auth: gh.auth,
    settings: {
      ...DEFAULT_SETTINGS,
      owner: gh.owner,
      repo: gh.repo,
      baseBranch: gh.baseBranch,
      labels: gh.labels ?? DEFAULT_SETTINGS.labels,
      reviewers: gh.reviewers ?? DEFAULT_SETTINGS.reviewers,
      draft: gh.draft ?? DEFAULT_SETTINGS.draft,
      automerge,
      prConcurrentLimit: gh.prConcurrentLimit ?? DEFAULT_SETTINGS.prConcurrentLimit,
      prHourlyLimit: gh.prHourlyLimit ?? DEFAULT_SETTINGS.prHourlyLimit,
      grouping: gh.grouping ?? DEFAULT_SETTINGS.grouping,
      branchPrefix: gh.branchPrefix ?? DEFAULT_SETTINGS.branchPrefix,
      rebaseLabel: gh.rebaseLabel ?? DEFAULT_SETTINGS.rebaseLabel,
      identity: gh.commitIdentity ?? DEFAULT_SETTINGS.identity,
      cloneUrl: gh.gitUrl,
      watch: { ...DEFAULT_SETTINGS.watch, ...(gh.watch ?? {}) },
    },
  };
}
