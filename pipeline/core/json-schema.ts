/**
 * One ajv setup for our own schemas (schemas/tidemark) and for the upstream Kubernetes/CRD
 * schemas tests validate rendered objects against. Validation errors become ConfigErrors that
 * name the file, the object and the field path.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ConfigError, AggregateConfigError } from './errors.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

const here = dirname(fileURLToPath(import.meta.url));

/** The repository (or installed package) root: where schemas/ and policies/ live. */
export function packageRoot(): string {
  let dir = here;
  for (let i = 0; i < 6; i++) {
    try {
      if (statSync(join(dir, 'package.json')).isFile() && statSync(join(dir, 'schemas')).isDirectory())
        return dir;
    } catch {
      /* keep walking up */
    }
    dir = dirname(dir);
  }
  throw new Error(`cannot find the tidemark package root above ${here}`);
}

const KUBE_KEYWORDS = [
  'x-kubernetes-group-version-kind',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-validations',
  'x-kubernetes-unions',
];

export function createAjv(options: { strict?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: options.strict ?? true,
    strictTypes: false,
    strictRequired: false,
    strictTuples: false,
    allowUnionTypes: true,
    // Go regexes in CRDs use (?i); translate it to the JS flag instead of failing to compile.
    code: { regExp: goCompatibleRegExp as never },
  });
  addFormats(ajv);
  for (const f of ['int32', 'int64', 'double', 'float', 'byte', 'int-or-string', 'quantity'])
    ajv.addFormat(f, true);
  ajv.addVocabulary(KUBE_KEYWORDS);
  return ajv;
}

function goCompatibleRegExp(pattern: string, flags: string): RegExp {
  let p = pattern;
  let f = flags;
  if (p.startsWith('^(?i)')) {
    p = '^' + p.slice(5);
    f += 'i';
  } else if (p.startsWith('(?i)')) {
    p = p.slice(4);
    f += 'i';
  }
  return new RegExp(p, f);
}
goCompatibleRegExp.code = 'new RegExp';

let shared: Ajv | undefined;

/** Our own schemas, loaded once from schemas/tidemark/ and addressable by their $id. */
export function tidemarkAjv(): Ajv {
  if (shared) return shared;
  const ajv = createAjv();
  const dir = join(packageRoot(), 'schemas', 'tidemark');
  for (const file of walk(dir)) {
    if (!file.endsWith('.json')) continue;
    ajv.addSchema(JSON.parse(readFileSync(file, 'utf8')) as object);
  }
  shared = ajv;
  return ajv;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

export function getValidator(schemaId: string, ajv: Ajv = tidemarkAjv()): ValidateFunction {
  const v = ajv.getSchema(schemaId);
  if (!v) throw new Error(`schema not registered: ${schemaId}`);
  return v;
}

/** "/spec/containers/0/name" → "spec.containers[0].name" */
export function instancePathToField(instancePath: string): string {
  if (!instancePath) return '(root)';
  return instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

export function describeAjvError(e: ErrorObject): { field: string; message: string } {
  let field = instancePathToField(e.instancePath);
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    field = field === '(root)' ? extra : `${field}.${extra}`;
    message = 'is not a known field';
  } else if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    field = field === '(root)' ? missing : `${field}.${missing}`;
    message = 'is required';
  } else if (e.keyword === 'enum') {
    message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { field, message };
}

/** Validates and throws one error listing every problem, each with file, object and field. */
export function validateOrThrow(
  schemaId: string,
  data: unknown,
  where: { file: string; object?: string },
  ajv?: Ajv,
): void {
  const validate = getValidator(schemaId, ajv);
  if (validate(data)) return;
  const seen = new Set<string>();
  const problems: ConfigError[] = [];
  for (const e of validate.errors ?? []) {
    // oneOf/anyOf produce noise for every branch; the specific branch errors are enough.
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if') continue;
    const { field, message } = describeAjvError(e);
    const key = `${field}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(new ConfigError(message, { file: where.file, object: where.object, field }));
  }
  if (problems.length === 0)
    problems.push(new ConfigError('does not match its schema', { file: where.file, object: where.object }));
  if (problems.length === 1) throw problems[0]!;
  throw new AggregateConfigError(problems);
}
