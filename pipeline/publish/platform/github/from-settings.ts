/** The GitHub platform for the configured publish repository, with its token resolved now. */
import type { Logger } from '../../../core/logger.js';
import { systemClock } from '../../../core/clock.js';
import type { ResolvedPublish } from '../../settings.js';
import type { Platform } from '../types.js';
import { resolveAuth } from './auth.js';
import { createGitHubPlatform } from './platform.js';

export async function githubPlatformFor(pub: ResolvedPublish, logger: Logger): Promise<Platform> {
  const auth = await resolveAuth(pub.auth, {
    owner: pub.settings.owner,
    repo: pub.settings.repo,
    baseUrl: pub.apiUrl,
    env: process.env,
    now: () => systemClock.now(),
  });
  return createGitHubPlatform({
    owner: pub.settings.owner,
    repo: pub.settings.repo,
    baseUrl: pub.apiUrl,
    token: auth.token,
    logger,
  });
}
