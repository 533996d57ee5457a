/**
 * GitHub authentication. The documented default is a GitHub App installation token scoped to
 * the GitOps repository (app id and private key from the environment): PRs it opens trigger
 * workflows, unlike GITHUB_TOKEN's. A personal or fine-grained token also works. Every secret
 * is registered with the sanitizer the moment it is read.
 */
import { createSign } from 'node:crypto';
import { Octokit } from 'octokit';
import { PublishError, ConfigError } from '../../../core/errors.js';
import { registerSecret } from '../../../core/sanitize.js';
import { DEFAULT_TIMEOUT_MS, timedFetch, unreachableIn } from './transport.js';

export type AuthConfig =
  { app: { appIdEnv?: string; privateKeyEnv?: string; installationId?: number } } | { tokenEnv: string };

export interface ResolvedAuth {
  token: string;
  /** When the token expires (ms), for long runs; undefined for PATs. */
  expiresAt?: number;
  kind: 'app' | 'token';
}

export function appJwt(appId: string, privateKeyPem: string, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  // iat 60 s in the past tolerates clock drift, as GitHub recommends; exp under the 10-minute cap.
  const unsigned = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iat: now - 60, exp: now + 540, iss: appId })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKeyPem).toString('base64url');
  return `${unsigned}.${signature}`;
}

export async function resolveAuth(
  auth: AuthConfig | undefined,
  ctx: {
    owner: string;
    repo: string;
    baseUrl: string;
    env: NodeJS.ProcessEnv;
    now: () => number;
    timeoutMs?: number;
  },
): Promise<ResolvedAuth> {
  const cfg = auth ?? { app: {} };
  if ('tokenEnv' in cfg) {
    const token = ctx.env[cfg.tokenEnv];
    if (!token)
      throw new ConfigError(`environment variable ${cfg.tokenEnv} is empty or unset`, {
        field: 'publish.github.auth.tokenEnv',
      });
    registerSecret(token);
    return { token, kind: 'token' };
  }
  const idEnv = cfg.app.appIdEnv ?? 'TIDEMARK_APP_ID';
  const keyEnv = cfg.app.privateKeyEnv ?? 'TIDEMARK_APP_PRIVATE_KEY';
  const appId = ctx.env[idEnv];
  const key = ctx.env[keyEnv];
  if (!appId || !key) {
    throw new ConfigError(
      `GitHub App credentials missing: set ${idEnv} and ${keyEnv} (or use auth.tokenEnv for a personal or fine-grained token)`,
      { field: 'publish.github.auth' },
    );
  }
  registerSecret(key);
  const pem = key.includes('BEGIN') ? key.replace(/\\n/g, '\n') : Buffer.from(key, 'base64').toString('utf8');
  registerSecret(pem);
  let jwt: string;
  try {
    jwt = appJwt(appId, pem, ctx.now());
  } catch {
    throw new ConfigError(`${keyEnv} is not a valid RSA private key (PEM, or base64 of a PEM)`, {
      field: 'publish.github.auth.app',
    });
  }
  registerSecret(jwt);
  const asApp = new Octokit({
    auth: jwt,
    baseUrl: ctx.baseUrl,
    request: { fetch: timedFetch(ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS) },
    retry: { enabled: false },
    throttle: { enabled: false },
  });
  try {
    const installationId =
      cfg.app.installationId ??
      (await asApp.rest.apps.getRepoInstallation({ owner: ctx.owner, repo: ctx.repo })).data.id;
    const res = await asApp.rest.apps.createInstallationAccessToken({
      installation_id: installationId,
      // Scope the token to the GitOps repository only.
      repositories: [ctx.repo],
    });
    registerSecret(res.data.token);
    return { token: res.data.token, expiresAt: Date.parse(res.data.expires_at), kind: 'app' };
  } catch (err) {
    const unreachable = unreachableIn(err);
    if (unreachable) throw unreachable;
    const status = (err as { status?: number }).status;
    throw new PublishError(
      'platform-auth',
      `GitHub App authentication failed (HTTP ${status ?? '?'}): check ${idEnv}, ${keyEnv} and that the app is installed on ${ctx.owner}/${ctx.repo}`,
      { object: `${ctx.owner}/${ctx.repo}` },
    );
  }
}
