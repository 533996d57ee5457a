/** Tidemark's version, read from the package (the same in `src` runs and in `dist`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './json-schema.js';

let cached: string | undefined;

export function tidemarkVersion(): string {
  cached ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
  return cached;
}
