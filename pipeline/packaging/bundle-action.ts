/**
 * `npm run bundle:action [-- OUTFILE]`: the GitHub Action's prebuilt entry, the CLI and every
 * dependency in one ESM file, so a run starts with `node` instead of `npm ci` (552 packages) and a
 * TypeScript build. The release workflow builds it from the released tree and commits it only on
 * the release commit that the action's tags point at; main never tracks it (.gitignore), so it
 * cannot go stale there (README "Running as a GitHub Action").
 *
 * The bundle reads schemas/, policies/ and fixtures/ beside it at run time: packageRoot() walks up
 * from action/ to the checkout the runner made of the action.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { packageRoot } from '../core/json-schema.js';
import { buildClient } from '../report/build-client.js';

/** Where the action looks for the bundle, relative to the action's checkout. */
export const ACTION_BUNDLE = 'action/tidemark.mjs';

export async function bundleAction(outfile = join(packageRoot(), ACTION_BUNDLE)): Promise<string> {
  // report.html's page script, inlined in the bundle: the action's checkout has no dist/ and no
  // esbuild to build it from (report/client-bundle.ts reads this constant first).
  const reportClient = await buildClient();
  await build({
    entryPoints: [join(packageRoot(), 'pipeline', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // The oldest Node that package.json's engines admit.
    target: 'node20',
    minify: true,
    // CommonJS dependencies require() Node's builtins, and an ES module has no require of its own.
    banner: {
      js: "import { createRequire as __tidemarkRequire } from 'node:module'; const require = __tidemarkRequire(import.meta.url);",
    },
    define: { __TIDEMARK_REPORT_CLIENT__: JSON.stringify(reportClient) },
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  bundleAction(process.argv[2]).then(
    (out) => console.log(out),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
