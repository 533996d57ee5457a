/**
 * GitHub's GraphQL endpoint, only for what Tidemark uses (auto-merge is GraphQL-only). Every
 * document is validated against GitHub's published schema (@octokit/graphql-schema) and executed
 * against it, so a field GitHub does not have, or a wrong argument type, fails the test.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import {
  buildSchema,
  execute,
  getOperationAST,
  getVariableValues,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';

let schema: GraphQLSchema | undefined;

export function githubGraphqlSchema(): GraphQLSchema {
  if (!schema) {
    // The package's exports map hides its files; find the SDL through the resolution paths.
    const require = createRequire(import.meta.url);
    const file = (require.resolve.paths('@octokit/graphql-schema') ?? [])
      .map((dir) => join(dir, '@octokit', 'graphql-schema', 'schema.graphql'))
      .find((f) => existsSync(f));
    if (!file) throw new Error('@octokit/graphql-schema is not installed');
    schema = buildSchema(readFileSync(file, 'utf8'), { assumeValidSDL: true });
  }
  return schema;
}

/** An error GitHub itself would answer with; thrown by the fake's resolvers. */
export class GitHubGraphqlAnswer extends Error {}

export interface GraphqlRoot {
  repository?: (args: { owner: string; name: string }) => unknown;
  enablePullRequestAutoMerge?: (args: { input: Record<string, unknown> }) => unknown;
  disablePullRequestAutoMerge?: (args: { input: Record<string, unknown> }) => unknown;
}

type Body = { query?: string; variables?: Record<string, unknown>; operationName?: string };

/**
 * Contract problems of a request, without executing it: no query, a syntax error, a document the
 * schema rejects, or variables that do not coerce to their declared types (a string where an enum
 * is declared, a missing `ID!`). GitHub answers these with errors; for the tests they are bugs.
 */
export function validateGraphqlRequest(body: Body): string[] {
  const checked = check(body);
  return 'problems' in checked ? checked.problems : [];
}

function check(body: Body): { doc: DocumentNode } | { problems: string[]; status: number } {
  if (!body.query) return { problems: ['no query'], status: 400 };
  let doc: DocumentNode;
  try {
    doc = parse(body.query);
  } catch (e) {
    return { problems: [(e as Error).message], status: 200 };
  }
  const errors = validate(githubGraphqlSchema(), doc);
  if (errors.length) return { problems: errors.map((e) => e.message), status: 200 };
  const op = getOperationAST(doc, body.operationName);
  if (!op) return { problems: ['the document names no single operation to run'], status: 200 };
  const coerced = getVariableValues(
    githubGraphqlSchema(),
    op.variableDefinitions ?? [],
    body.variables ?? {},
  );
  if (coerced.errors) return { problems: coerced.errors.map((e) => e.message), status: 200 };
  return { doc };
}

export async function executeGraphql(
  body: Body,
  root: GraphqlRoot,
): Promise<{ status: number; payload: unknown; validationErrors: string[] }> {
  const checked = check(body);
  if ('problems' in checked) {
    return {
      status: checked.status,
      payload:
        checked.status === 400
          ? { message: 'Problems parsing JSON' }
          : { errors: checked.problems.map((message) => ({ message })) },
      validationErrors: checked.problems,
    };
  }
  const result = await execute({
    schema: githubGraphqlSchema(),
    document: checked.doc,
    variableValues: body.variables,
    operationName: body.operationName,
    rootValue: root,
  });
  // Errors the fake raises on purpose (auto-merge not allowed, an unknown node id) are GitHub's
  // answers; any other (a variable that did not coerce, a null where the schema forbids one) is
  // the request or the fake breaking the schema.
  const unexpected = (result.errors ?? [])
    .filter((e) => !(e.originalError instanceof GitHubGraphqlAnswer))
    .map((e) => e.message);
  return {
    status: 200,
    payload: result.errors
      ? {
          data: result.data ?? null,
          errors: result.errors.map((e) => ({ message: e.message, path: e.path })),
        }
      : { data: result.data },
    validationErrors: unexpected,
  };
}
