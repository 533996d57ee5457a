/**
 * Argo Workflows' own CRDs (manifests/base/crds/full/*.yaml) and JSON Schema
 * (api/jsonschema/schema.json), for validating deploy/argo-workflows. They are Argo's files, not
 * ours: never copied into this repository. A test reads them from a folder outside it:
 * $TIDEMARK_ARGO_WORKFLOWS, else the newest `argo-workflows-*` under $TIDEMARK_CACHE
 * (~/.cache/tidemark), laid out as `crds/*.yaml`, `schema.json` and `SOURCE` (the repository and
 * commit they came from). Where neither exists the suites that need them are skipped, saying so.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ArgoWorkflowsFiles {
  dir: string;
  crds: string[];
  schema: string;
  source: string;
}

export const ARGO_WORKFLOWS_ENV = 'TIDEMARK_ARGO_WORKFLOWS';

export function argoWorkflowsFiles(env: NodeJS.ProcessEnv = process.env): ArgoWorkflowsFiles | undefined {
  const cache = env.TIDEMARK_CACHE ?? join(homedir(), '.cache', 'tidemark');
  const dir =
    env[ARGO_WORKFLOWS_ENV] ??
    (existsSync(cache)
      ? readdirSync(cache)
          .filter((n) => n.startsWith('argo-workflows-'))
          .sort()
          .map((n) => join(cache, n))
          .at(-1)
      : undefined);
  if (!dir || !existsSync(join(dir, 'schema.json')) || !existsSync(join(dir, 'crds'))) return undefined;
  const crds = readdirSync(join(dir, 'crds'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, 'crds', f));
  if (!crds.length) return undefined;
  const source = existsSync(join(dir, 'SOURCE')) ? readFileSync(join(dir, 'SOURCE'), 'utf8').trim() : dir;
  return { dir, crds, schema: join(dir, 'schema.json'), source };
}

export const ARGO_WORKFLOWS_MISSING =
  `Argo Workflows' CRDs and JSON Schema not found: set ${ARGO_WORKFLOWS_ENV} to a folder with ` +
  'crds/*.yaml (manifests/base/crds/full of github.com/argoproj/argo-workflows) and schema.json ' +
  '(api/jsonschema/schema.json), or put one at $TIDEMARK_CACHE/argo-workflows-<commit>/';
