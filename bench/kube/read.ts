/** The measured part of bench:kube, in its own process so its peak RSS is Tidemark's alone. */
import { performance } from 'node:perf_hooks';
import { createLiveKubernetesSource } from '../../pipeline/collect/kubernetes/live.js';
import { silentLogger } from '../../pipeline/core/logger.js';

const t = performance.now();
const inv = await createLiveKubernetesSource({ kubeconfig: process.argv[2]! }).read({ logger: silentLogger });
process.stdout.write(
  JSON.stringify({
    readSeconds: (performance.now() - t) / 1000,
    objects: inv.objects.length,
    stats: inv.stats,
  }),
);
