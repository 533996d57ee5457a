/**
 * The page script report.html inlines, from wherever this install keeps it: the action's
 * single-file bundle defines it at bundle time; a build (npm run build, the images, the npm
 * package) has it beside this module as report-client.js; a run from source builds it once with
 * esbuild (a devDependency) and keeps it for the process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

declare const __TIDEMARK_REPORT_CLIENT__: string | undefined;

export const CLIENT_ASSET = 'report-client.js';

let cached: Promise<string> | undefined;

export function reportClient(): Promise<string> {
  cached ??= load();
  return cached;
}

async function load(): Promise<string> {
  if (typeof __TIDEMARK_REPORT_CLIENT__ === 'string') return __TIDEMARK_REPORT_CLIENT__;
  const beside = fileURLToPath(new URL(`./${CLIENT_ASSET}`, import.meta.url));
  if (existsSync(beside)) return readFileSync(beside, 'utf8');
  // A variable specifier: bundlers leave it alone, so esbuild is never pulled into a bundle.
  const builder = './build-client.js';
  try {
    const mod = (await import(builder)) as { buildClient: () => Promise<string> };
    return await mod.buildClient();
  } catch (err) {
    cached = undefined;
    throw new Error(
      `the report's page script is missing (${beside}) and cannot be built here: run npm run build (${(err as Error).message})`,
    );
  }
}
