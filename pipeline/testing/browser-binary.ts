/**
 * Where the browser tier's Chromium is: TIDEMARK_CHROMIUM, else Debian's package
 * (`apt-get install chromium`, /usr/bin/chromium), else one on PATH; it must answer --version.
 * Only global setup asks (tier-probes.ts); suites read the decision's pinned path.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function findChromium(env: Record<string, string | undefined> = process.env): string | undefined {
  const candidates = [
    env.TIDEMARK_CHROMIUM,
    '/usr/bin/chromium',
    ...onPath(['chromium', 'chromium-browser']),
  ];
  for (const c of candidates) {
    if (!c || !existsSync(c)) continue;
    const r = spawnSync(c, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 });
    if (r.status === 0 && /chrom/i.test(String(r.stdout))) return c;
  }
  return undefined;
}

function onPath(names: string[]): string[] {
  return names.flatMap((n) => {
    const r = spawnSync('sh', ['-c', `command -v ${n}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    return r.status === 0 ? [String(r.stdout).trim()] : [];
  });
}
