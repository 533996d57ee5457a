/**
 * One name per image, everywhere: every image the repository's files mention is one the release
 * workflow builds, from the Dockerfile the manifests expect, at the version package.json carries.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { packageRoot } from '../core/json-schema.js';

const root = packageRoot();
const read = (rel: string): string => readFileSync(join(root, rel), 'utf8');
const version = (JSON.parse(read('package.json')) as { version: string }).version;

interface BuildStep {
  uses?: string;
  with?: { file?: string; tags?: string };
}

/** image name (no tag) → the Dockerfile the release workflow builds it from. */
function releasedImages(): Map<string, string> {
  const wf = parse(read('.github/workflows/release.yml')) as {
    jobs: Record<string, { steps: BuildStep[] }>;
  };
  const out = new Map<string, string>();
  for (const job of Object.values(wf.jobs))
    for (const s of job.steps) {
      if (!s.uses?.startsWith('docker/build-push-action@')) continue;
      const tag = s.with!.tags!;
      expect(tag).toMatch(/:\$\{\{ steps\.version\.outputs\.version \}\}$/);
      out.set(tag.slice(0, tag.lastIndexOf(':')), s.with!.file!);
    }
  return out;
}

/** `image:` of every container in a kustomize folder's manifests. */
function manifestImages(dir: string): string[] {
  const out: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === 'object')
      for (const [k, v] of Object.entries(n)) {
        if ((k === 'containers' || k === 'initContainers') && Array.isArray(v))
          for (const c of v as { image?: string }[]) if (c.image) out.push(c.image);
        visit(v);
      }
  };
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', dir], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f.endsWith('.yaml'));
  for (const f of files) for (const d of parseAllDocuments(read(f))) visit(d.toJS());
  return out;
}

describe('container images', () => {
  it('the release workflow builds the pipeline and guardian images from their Dockerfiles', () => {
    expect([...releasedImages()].sort()).toEqual([
      ['ghcr.io/tidemark-io/tidemark', 'deploy/pipeline/Dockerfile'],
      ['ghcr.io/tidemark-io/tidemark-guardian', 'deploy/guardian/Dockerfile'],
    ]);
  });

  it('the CronJob and the guardian Deployment run the released images at the package version', () => {
    const images = releasedImages();
    const pipeline = [...images].find(([, f]) => f === 'deploy/pipeline/Dockerfile')![0];
    const guardian = [...images].find(([, f]) => f === 'deploy/guardian/Dockerfile')![0];
    expect(manifestImages('deploy/pipeline')).toEqual([`${pipeline}:${version}`]);
    expect(manifestImages('deploy/guardian')).toEqual([`${guardian}:${version}`]);
  });

  it('no file of the repository names one of our images that the release does not build', () => {
    const images = releasedImages();
    // tracked files, and new ones not yet added (ignored ones aside)
    // Our own organisation's names only: fixtures may run anyone's images (podinfo's, say).
    const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => f && !/\.(png|jpg|gz|lock)$|package-lock\.json$/.test(f));
    const named = new Map<string, string[]>();
    for (const f of tracked)
      for (const m of read(f).matchAll(/\bghcr\.io\/tidemark[\w.-]*\/[\w.-]+/g)) {
        const files = named.get(m[0]) ?? [];
        named.set(m[0], [...files, f]);
      }
    const unknown = [...named].filter(([name]) => !images.has(name));
    expect(unknown).toEqual([]);
    // The check found the manifests at all (a changed registry would otherwise pass vacuously).
    expect(named.get('ghcr.io/tidemark-io/tidemark')).toEqual(
      expect.arrayContaining(['deploy/pipeline/cronjob.yaml', '.github/workflows/release.yml']),
    );
  });

  it("each image's entrypoint is the CLI as the TypeScript build emits it", () => {
    const build = JSON.parse(read('tsconfig.build.json')) as { extends: string };
    const base = JSON.parse(read(build.extends)) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(base.compilerOptions).toMatchObject({ rootDir: '.', outDir: 'dist' });
    for (const f of ['deploy/pipeline/Dockerfile', 'deploy/guardian/Dockerfile']) {
      const entry = /^ENTRYPOINT (\[.*\])$/m.exec(read(f))![1]!;
      const script = (JSON.parse(entry) as string[]).find((a) => a.endsWith('.js'))!;
      // /app/dist/X.js is the build of X.ts (rootDir ".", outDir "dist"), WORKDIR /app.
      expect(script).toBe('/app/dist/pipeline/cli/main.js');
      expect(read(script.replace('/app/dist/', '').replace(/\.js$/, '.ts'))).toContain(
        'main(process.argv.slice(2))',
      );
      expect(read(f)).toMatch(/^COPY --from=build \/src\/dist \.\/dist$/m);
    }
  });
});
