/**
 * GitHub's published REST contract (@octokit/openapi, generated/api.github.com.json only) as a
 * test oracle: the fake validates every request it receives and every response it sends against
 * it, and any mismatch fails the test. Also builds minimal schema-valid objects, so the fake's
 * responses have every required field GitHub's clients may read.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

/* eslint-disable @typescript-eslint/no-explicit-any */
type Schema = any;

export interface Operation {
  operationId: string;
  method: string;
  template: string;
  regex: RegExp;
  paramNames: string[];
  spec: Schema;
}

export interface MatchedOperation {
  op: Operation;
  pathParams: Record<string, string>;
}

/** Statuses GitHub documents for every endpoint (auth, rate limits, outages) outside each operation. */
const GLOBAL_STATUSES = new Set([401, 403, 429, 500, 502, 503]);

let cached: GitHubContract | undefined;

export class GitHubContract {
  private readonly spec: Schema;
  private readonly ajv: Ajv;
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  static load(): GitHubContract {
    if (!cached) {
      const require = createRequire(import.meta.url);
      const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
      cached = new GitHubContract(JSON.parse(readFileSync(file, 'utf8')));
    }
    return cached;
  }

  private constructor(spec: Schema) {
    this.spec = spec;
    const components = rewriteNullable(spec.components);
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addFormat('repo.nwo', true);
    this.ajv.addSchema({ $id: 'gh', components });
    for (const [template, item] of Object.entries<Schema>(spec.paths)) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
        const op = item[method];
        if (!op) continue;
        const paramNames: string[] = [];
        const pattern = template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
          paramNames.push(name);
          return '([^/]+)';
        });
        this.operations.push({
          operationId: op.operationId,
          method: method.toUpperCase(),
          template,
          regex: new RegExp(`^${pattern}$`),
          paramNames,
          spec: op,
        });
      }
    }
  }

  match(method: string, path: string): MatchedOperation | undefined {
    // Prefer literal segments over parameters (e.g. /pulls/comments over /pulls/{pull_number}).
    const candidates = this.operations.filter((o) => o.method === method && o.regex.test(path));
    candidates.sort((a, b) => a.paramNames.length - b.paramNames.length);
    const op = candidates[0];
    if (!op) return undefined;
    const m = op.regex.exec(path)!;
    const pathParams: Record<string, string> = {};
    op.paramNames.forEach((n, i) => (pathParams[n] = decodeURIComponent(m[i + 1]!)));
    return { op, pathParams };
  }

  /** Problems with a request: unknown query parameters, bad enum values, a body off its schema. */
  validateRequest(m: MatchedOperation, query: URLSearchParams, body: unknown): string[] {
    const errors: string[] = [];
    const params = (m.op.spec.parameters ?? []).map((p: Schema) => this.deref(p));
    const queryParams = new Map<string, Schema>(
      params.filter((p: Schema) => p.in === 'query').map((p: Schema) => [p.name, p]),
    );
    for (const [name, value] of query) {
      const p = queryParams.get(name);
      if (!p) {
        errors.push(`query parameter "${name}" is not defined for ${m.op.operationId}`);
        continue;
      }
      const s = p.schema ?? {};
      if (s.enum && !s.enum.includes(value))
        errors.push(`query parameter "${name}"=${value} is not one of ${s.enum.join(', ')}`);
      if (s.type === 'integer' && !/^\d+$/.test(value))
        errors.push(`query parameter "${name}"=${value} is not an integer`);
    }
    const rb = m.op.spec.requestBody;
    if (rb) {
      const schema = rb.content?.['application/json']?.schema;
      if (body === undefined) {
        if (rb.required) errors.push(`${m.op.operationId}: request body is required`);
      } else if (schema) {
        const v = this.compile(`req:${m.op.operationId}`, schema);
        if (!v(body))
          errors.push(
            ...(v.errors ?? []).map((e) => `${m.op.operationId} request body${e.instancePath} ${e.message}`),
          );
      }
    } else if (body !== undefined && m.op.method !== 'GET' && m.op.method !== 'DELETE') {
      errors.push(`${m.op.operationId} takes no request body`);
    }
    return errors;
  }

  validateResponse(m: MatchedOperation, status: number, body: unknown): string[] {
    const responses = m.op.spec.responses ?? {};
    const r = responses[String(status)];
    if (!r) {
      if (GLOBAL_STATUSES.has(status))
        return this.validateNamed('basic-error', body, `${m.op.operationId} ${status}`);
      return [
        `${m.op.operationId} does not document status ${status} (documents ${Object.keys(responses).join(', ')})`,
      ];
    }
    const resolved = this.deref(r);
    const schema = resolved.content?.['application/json']?.schema;
    if (!schema)
      return body === undefined || body === '' ? [] : [`${m.op.operationId} ${status} documents no body`];
    const v = this.compile(`res:${m.op.operationId}:${status}`, schema);
    return v(body)
      ? []
      : (v.errors ?? [])
          .slice(0, 8)
          .map((e) => `${m.op.operationId} ${status} response${e.instancePath} ${e.message}`);
  }

  validateNamed(name: string, value: unknown, what: string): string[] {
    const v = this.compile(`named:${name}`, { $ref: `#/components/schemas/${name}` });
    return v(value)
      ? []
      : (v.errors ?? []).slice(0, 8).map((e) => `${what} (${name})${e.instancePath} ${e.message}`);
  }

  /** A minimal object with every required field of a component schema, valid against it. */
  skeleton(name: string): any {
    return this.example(this.spec.components.schemas[name], 0);
  }

  private example(schema: Schema, depth: number): any {
    if (!schema || depth > 12) return null;
    if (schema.$ref) return this.example(this.resolveRef(schema.$ref), depth + 1);
    if (schema.allOf)
      return Object.assign({}, ...schema.allOf.map((s: Schema) => this.example(s, depth + 1)));
    if (schema.oneOf || schema.anyOf) return this.example((schema.oneOf ?? schema.anyOf)[0], depth + 1);
    if (schema.nullable && !schema.required?.length) return null;
    if (schema.enum) return schema.enum[0];
    switch (schema.type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const key of schema.required ?? [])
          out[key] = this.example(schema.properties?.[key] ?? {}, depth + 1);
        return out;
      }
      case 'array':
        return [];
      case 'integer':
      case 'number':
        return schema.minimum ?? 1;
      case 'boolean':
        return false;
      case 'string':
        if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
        if (schema.format === 'uri' || schema.format === 'uri-template') return 'https://api.github.com/';
        if (schema.format === 'email') return 'noreply@github.com';
        return 'x';
      default:
        return schema.properties ? this.example({ ...schema, type: 'object' }, depth) : null;
    }
  }

  private compile(key: string, schema: Schema): ValidateFunction {
    let v = this.validators.get(key);
    if (!v) {
      v = this.ajv.compile(rewriteRefs(rewriteNullable(schema)));
      this.validators.set(key, v);
    }
    return v;
  }

  private deref(x: Schema): Schema {
    return x?.$ref ? this.resolveRef(x.$ref) : x;
  }

  private resolveRef(ref: string): Schema {
    return ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((acc: Schema, k: string) => acc?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], this.spec);
  }
}

/** OpenAPI 3.0 `nullable` → JSON Schema: `type: [t, 'null']`, or `anyOf` beside a $ref/allOf. */
function rewriteNullable(node: Schema): Schema {
  if (Array.isArray(node)) return node.map(rewriteNullable);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node))
    if (k !== 'nullable' && k !== 'example' && k !== 'examples') out[k] = rewriteNullable(v);
  if (node.nullable === true) {
    if (typeof node.type === 'string') {
      out.type = [node.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

function rewriteRefs(node: Schema): Schema {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `gh${v}` : rewriteRefs(v);
  }
  return out;
}
