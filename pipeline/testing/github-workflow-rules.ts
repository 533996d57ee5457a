/**
 * The rules of GitHub's "Workflow syntax for GitHub Actions" and "Contexts" (context
 * availability) that a workflow file can break without YAML noticing, checked offline: job and
 * step ids, `needs` that exist and form no cycle, exactly one of `run`/`uses` per step, actions
 * pinned to a ref, `workflow_dispatch` inputs of a known type whose default fits, expressions that
 * use only the contexts GitHub makes available at that key, `needs.<job>.outputs.<name>` and
 * `steps.<id>.outputs` that exist, `inputs.<name>` that are declared, `matrix` only in a job with
 * a matrix, and `strategy.max-parallel` / `fail-fast` of the right type.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

type Contexts = readonly string[];

// docs.github.com: Accessing contextual information about workflow runs → Context availability.
const AVAILABLE: Record<string, Contexts> = {
  concurrency: ['github', 'inputs', 'vars'],
  env: ['github', 'secrets', 'inputs', 'vars'],
  'jobs.if': ['github', 'needs', 'vars', 'inputs'],
  'jobs.name': ['github', 'needs', 'strategy', 'matrix', 'vars', 'inputs'],
  'jobs.runs-on': ['github', 'needs', 'strategy', 'matrix', 'vars', 'inputs'],
  'jobs.env': ['github', 'needs', 'strategy', 'matrix', 'vars', 'secrets', 'inputs'],
  'jobs.outputs': [
    'github',
    'needs',
    'strategy',
    'matrix',
    'job',
    'runner',
    'env',
    'vars',
    'secrets',
    'steps',
    'inputs',
  ],
  'jobs.strategy': ['github', 'needs', 'vars', 'inputs'],
  'jobs.timeout-minutes': ['github', 'needs', 'strategy', 'matrix', 'job', 'runner', 'env', 'vars', 'inputs'],
  'jobs.steps.if': [
    'github',
    'needs',
    'strategy',
    'matrix',
    'job',
    'runner',
    'env',
    'vars',
    'steps',
    'inputs',
  ],
  'jobs.steps': [
    'github',
    'needs',
    'strategy',
    'matrix',
    'job',
    'runner',
    'env',
    'vars',
    'secrets',
    'steps',
    'inputs',
  ],
};
const FUNCTIONS = new Set([
  'contains',
  'startsWith',
  'endsWith',
  'format',
  'join',
  'toJSON',
  'fromJSON',
  'hashFiles',
  'success',
  'always',
  'cancelled',
  'failure',
]);
const ID = /^[_a-zA-Z][a-zA-Z0-9_-]*$/;
const INPUT_TYPES = new Set(['string', 'choice', 'boolean', 'number', 'environment']);

/** The `${{ … }}` expressions in a value, and an `if:` given without them. */
export function expressionsIn(value: unknown, isIf = false): string[] {
  if (typeof value !== 'string') {
    if (value && typeof value === 'object') return Object.values(value).flatMap((v) => expressionsIn(v));
    return [];
  }
  const found = [...value.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1]!.trim());
  if (isIf && !found.length) return [value.trim()];
  return found;
}

/** The context names and property paths an expression reads (string literals left out). */
export function referencesIn(expr: string): { context: string; path: string[] }[] {
  const code = expr.replace(/'(?:[^']|'')*'/g, "''");
  const out: { context: string; path: string[] }[] = [];
  for (const m of code.matchAll(/(?<![\w.-])([a-zA-Z_][\w-]*)((?:\.[\w-]+|\[[^\]]*\])*)(\s*\()?/g)) {
    const [, head, tail, call] = m;
    if (call || ['true', 'false', 'null'].includes(head!)) continue;
    out.push({ context: head!, path: [...tail!.matchAll(/\.([\w-]+)/g)].map((p) => p[1]!) });
  }
  return out;
}

export function functionsIn(expr: string): string[] {
  const code = expr.replace(/'(?:[^']|'')*'/g, "''");
  return [...code.matchAll(/([a-zA-Z_]\w*)\s*\(/g)].map((m) => m[1]!);
}

export function workflowProblems(wf: any): string[] {
  const p: string[] = [];
  const on = wf.on ?? wf[true as any]; // YAML 1.1 parsers read `on` as true
  if (!on) p.push('no on:');
  const inputs: Record<string, any> = on?.workflow_dispatch?.inputs ?? {};
  for (const [name, i] of Object.entries(inputs)) {
    if (!ID.test(name)) p.push(`input id ${name}`);
    const type = i.type ?? 'string';
    if (!INPUT_TYPES.has(type)) p.push(`input ${name}: type ${type}`);
    if (type === 'choice' && !(Array.isArray(i.options) && i.options.includes(i.default)))
      p.push(`input ${name}: a choice's default must be one of its options`);
    if (type === 'number' && i.default !== undefined && typeof i.default !== 'number')
      p.push(`input ${name}: default is not a number`);
    if (type === 'boolean' && i.default !== undefined && typeof i.default !== 'boolean')
      p.push(`input ${name}: default is not a boolean`);
  }
  const jobs: Record<string, any> = wf.jobs ?? {};
  if (!Object.keys(jobs).length) p.push('no jobs');
  const check = (
    where: string,
    key: keyof typeof AVAILABLE,
    value: unknown,
    job?: string,
    stepIds?: string[],
    isIf = false,
  ) => {
    for (const expr of expressionsIn(value, isIf)) {
      for (const f of functionsIn(expr)) if (!FUNCTIONS.has(f)) p.push(`${where}: unknown function ${f}()`);
      for (const r of referencesIn(expr)) {
        if (!AVAILABLE[key]!.includes(r.context)) {
          p.push(`${where}: context ${r.context} is not available here (${AVAILABLE[key]!.join(', ')})`);
          continue;
        }
        if (r.context === 'inputs' && r.path[0] && !(r.path[0] in inputs))
          p.push(`${where}: inputs.${r.path[0]} is not a workflow_dispatch input`);
        if (r.context === 'matrix' && job && !jobs[job]?.strategy?.matrix)
          p.push(`${where}: matrix used in a job without strategy.matrix`);
        if (r.context === 'needs' && job) {
          const needs = [jobs[job]?.needs ?? []].flat();
          const [dep, kind, name] = r.path;
          if (dep && !needs.includes(dep)) p.push(`${where}: needs.${dep} but the job does not need ${dep}`);
          else if (dep && kind === 'outputs' && name && !(name in (jobs[dep]?.outputs ?? {})))
            p.push(`${where}: job ${dep} has no output ${name}`);
          else if (dep && kind && !['outputs', 'result'].includes(kind))
            p.push(`${where}: needs.${dep}.${kind}`);
        }
        if (r.context === 'steps' && stepIds) {
          const [id] = r.path;
          if (id && !stepIds.includes(id)) p.push(`${where}: steps.${id} is not an earlier step of the job`);
        }
      }
    }
  };
  if (wf.concurrency) check('concurrency', 'concurrency', wf.concurrency);
  if (wf.env) check('env', 'env', wf.env);
  for (const [id, job] of Object.entries(jobs)) {
    const w = `jobs.${id}`;
    if (!ID.test(id)) p.push(`job id ${id}`);
    if (!job['runs-on'] && !job.uses) p.push(`${w}: runs-on missing`);
    for (const dep of [job.needs ?? []].flat())
      if (!(dep in jobs)) p.push(`${w}: needs ${dep}, which is not a job`);
    if (job.if !== undefined) check(`${w}.if`, 'jobs.if', job.if, id, undefined, true);
    if (job.name !== undefined) check(`${w}.name`, 'jobs.name', job.name, id);
    check(`${w}.runs-on`, 'jobs.runs-on', job['runs-on'], id);
    if (job.env) check(`${w}.env`, 'jobs.env', job.env, id);
    if (job['timeout-minutes'] !== undefined)
      check(`${w}.timeout-minutes`, 'jobs.timeout-minutes', job['timeout-minutes'], id);
    if (job.strategy) {
      const s = job.strategy;
      check(`${w}.strategy`, 'jobs.strategy', s, id);
      for (const k of Object.keys(s))
        if (!['matrix', 'fail-fast', 'max-parallel'].includes(k)) p.push(`${w}.strategy: unknown key ${k}`);
      if (
        s['fail-fast'] !== undefined &&
        typeof s['fail-fast'] !== 'boolean' &&
        !expressionsIn(s['fail-fast']).length
      )
        p.push(`${w}.strategy.fail-fast is not a boolean`);
      const mp = s['max-parallel'];
      if (
        mp !== undefined &&
        !(typeof mp === 'number' && mp > 0) &&
        !(typeof mp === 'string' && /^\$\{\{.*\}\}$/.test(mp.trim()))
      )
        p.push(`${w}.strategy.max-parallel is neither a positive number nor an expression`);
      const m = s.matrix;
      if (m === undefined) p.push(`${w}.strategy: no matrix`);
      else if (typeof m === 'string' ? !/^\$\{\{.*\}\}$/.test(m.trim()) : typeof m !== 'object')
        p.push(`${w}.strategy.matrix is neither a mapping nor an expression`);
      else if (
        typeof m === 'object' &&
        m.include !== undefined &&
        !Array.isArray(m.include) &&
        !/^\$\{\{.*\}\}$/.test(String(m.include).trim())
      )
        p.push(`${w}.strategy.matrix.include is neither a list nor an expression`);
    }
    const stepIds: string[] = [];
    for (const [i, step] of (job.steps ?? []).entries()) {
      const sw = `${w}.steps[${i}]`;
      if (!step.run === !step.uses) p.push(`${sw}: exactly one of run and uses`);
      if (step.uses && !/^(\.\/|docker:\/\/|[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[\w.\-/]+$)/.test(step.uses))
        p.push(`${sw}: uses ${step.uses} is not owner/repo[/path]@ref`);
      if (step.id !== undefined && (!ID.test(step.id) || stepIds.includes(step.id)))
        p.push(`${sw}: id ${step.id}`);
      if (step.if !== undefined) check(`${sw}.if`, 'jobs.steps.if', step.if, id, stepIds, true);
      for (const k of ['with', 'env', 'run', 'name', 'working-directory', 'shell'] as const)
        if (step[k] !== undefined) check(`${sw}.${k}`, 'jobs.steps', step[k], id, stepIds);
      if (step.id) stepIds.push(step.id);
    }
    if (job.outputs) check(`${w}.outputs`, 'jobs.outputs', job.outputs, id, stepIds);
  }
  // needs form no cycle
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (j: string, path: string[]): void => {
    if (done.has(j)) return;
    if (visiting.has(j)) {
      p.push(`needs cycle: ${[...path, j].join(' → ')}`);
      return;
    }
    visiting.add(j);
    for (const d of [jobs[j]?.needs ?? []].flat()) if (d in jobs) visit(d, [...path, j]);
    visiting.delete(j);
    done.add(j);
  };
  for (const j of Object.keys(jobs)) visit(j, []);
  return p;
}
