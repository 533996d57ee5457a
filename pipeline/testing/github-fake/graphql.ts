/**
 * GitHub's GraphQL endpoint, only for what Tidemark uses (auto-merge is GraphQL-only). Every
 * document is validated against GitHub's published schema (@octokit/graphql-schema) and executed
 * against it, so a field GitHub does not have, or a wrong argument type, fails the test.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { buildSchema, graphql, parse, validate, type GraphQLSchema } from 'graphql';

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

export interface GraphqlRoot {
  repository?: (args: { owner: string; name: string }) => unknown;
  enablePullRequestAutoMerge?: (args: { input: Record<string, unknown> }) => unknown;
  disablePullRequestAutoMerge?: (args: { input: Record<string, unknown> }) => unknown;
}

export async function executeGraphql(
  body: { query?: string; variables?: Record<string, unknown> },
  root: GraphqlRoot,
): Promise<{ status: number; payload: unknown; validationErrors: string[] }> {
  if (!body.query)
    return { status: 400, payload: { message: 'Problems parsing JSON' }, validationErrors: ['no query'] };
  let doc;
  try {
    doc = parse(body.query);
  } catch (e) {
    return {
      status: 200,
      payload: { errors: [{ message: (e as Error).message }] },
      validationErrors: [(e as Error).message],
    };
  }
  const errors = validate(githubGraphqlSchema(), doc);
  if (errors.length) {
    return {
      status: 200,
      payload: { errors: errors.map((e) => ({ message: e.message })) },
      validationErrors: errors.map((e) => e.message),
    };
  }
  const result = await graphql({
    schema: githubGraphqlSchema(),
    source: body.query,
    variableValues: body.variables,
    rootValue: root,
  });
  return {
    status: 200,
    payload: result.errors
      ? {
          data: result.data ?? null,
          errors: result.errors.map((e) => ({ message: e.message, path: e.path })),
        }
      : { data: result.data },
    validationErrors: [],
  };
}
