/**
 * Bundles the report page's script (report/client, with the parts of ECharts it uses) into one
 * minified browser script with esbuild. `npm run build` writes it to
 * dist/pipeline/report/report-client.js, so installs, images and the action's single-file bundle
 * carry it prebuilt; tests and `tsx` runs from source build it on first use (client-bundle.ts).
 *
 *   tsx pipeline/report/build-client.ts OUTFILE
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { packageRoot } from '../core/json-schema.js';

export async function buildClient(): Promise<string> {
  const root = packageRoot();
  const result = await build({
    entryPoints: [join(root, 'pipeline', 'report', 'client', 'main.ts')],
    tsconfig: join(root, 'pipeline', 'report', 'client', 'tsconfig.json'),
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    // Browsers with DecompressionStream (Chrome 80, Firefox 113, Safari 16.4).
    target: ['chrome90', 'firefox113', 'safari16'],
    minify: true,
    legalComments: 'eof',
    logLevel: 'warning',
  });
  return result.outputFiles[0]!.text;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: build-client.ts OUTFILE');
    process.exitCode = 2;
  } else
    buildClient().then(
      (js) => {
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, js);
        console.log(`${out}: ${(js.length / 1024).toFixed(0)} KiB`);
      },
      (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
      },
    );
}
