/** The GitHub platform for the configured publish repository, with its token resolved now. */
import type { Logger } from '../../../core/logger.js';
import { systemClock } from '../../../core/clock.js';
import type { ResolvedPublish } from '../../settings.js';
import type { Platform } from '../types.js';
import { resolveAuth } from './auth.js';
import { createGitHubPlatform, type GitHubPlatformOptions } from './platform.js';

export interface PlatformOverrides extends Partial<
  Pick<GitHubPlatformOptions, 'retries' | 'writeSpacingMs' | 'retryAfterUnitMs' | 'timeoutMs'>
> {
  /** Where credentials are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

export async function githubPlatformFor(
  pub: ResolvedPublish,
  logger: Logger,
  overrides: PlatformOverrides = {},
): Promise<Platform> {
  const { env = process.env, now = () => systemClock.now(), ...tuning } = overrides;
  const auth = await resolveAuth(pub.auth, {
    owner: pub.settings.owner,
    repo: pub.settings.repo,
    baseUrl: pub.apiUrl,
    env,
    now,
    timeoutMs: tuning.timeoutMs,
  });
  return createGitHubPlatform({
    owner: pub.settings.owner,
    repo: pub.settings.repo,
    baseUrl: pub.apiUrl,
    token: auth.token,
    logger,
    ...tuning,
  });
}
