/**
 * Turns the API's OpenAPI document into what the reference page shows, so the page cannot drift
 * from the routes: every operation, its scope, parameters, responses and examples.
 */

/** The parts of an OpenAPI 3.1 document the reference page reads. */
export interface OpenApiDocument {
  openapi: string;
  servers?: { url: string }[];
  paths?: Record<string, Record<string, OpenApiOperation | undefined> | undefined>;
  components?: { schemas?: Record<string, JsonSchema>; securitySchemes?: Record<string, unknown> };
}

interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: JsonSchema }[];
  responses?: Record<string, { description?: string; content?: Record<string, MediaObject> }>;
  security?: unknown[];
  [PERMISSION_EXTENSION]?: string | null;
}

interface MediaObject {
  schema?: JsonSchema;
  example?: unknown;
}

interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  examples?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
}

/** Operation extension naming the permission (scope) a key needs; null means any valid key. */
export const PERMISSION_EXTENSION = 'x-required-permission';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export interface ReferenceOperation {
  id: string;
  method: string;
  path: string;
  summary: string;
  description: string;
  authenticated: boolean;
  permission: string | null;
  parameters: { name: string; location: string; type: string; required: boolean; description: string }[];
  exampleRequest: string;
  exampleResponse: string | undefined;
  responses: { status: string; description: string }[];
}

export function referenceOperations(document: OpenApiDocument, baseUrl: string): ReferenceOperation[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item?.[method];
      return operation ? [referenceOperation(document, baseUrl, method, path, operation)] : [];
    }),
  );
}

/** The first example of a named component schema, pretty-printed. */
export function componentExample(document: OpenApiDocument, name: string): string | undefined {
  return prettyExample(document, { $ref: `#/components/schemas/${name}` });
}

function referenceOperation(document: OpenApiDocument, baseUrl: string, method: string, path: string, operation: OpenApiOperation): ReferenceOperation {
  const authenticated = (operation.security?.length ?? 0) > 0;
  const success = operation.responses?.['200']?.content?.['application/json'];
  return {
    id: operation.operationId ?? `${method}-${path}`,
    method: method.toUpperCase(),
    path,
    summary: operation.summary ?? '',
    description: operation.description ?? '',
    authenticated,
    permission: operation[PERMISSION_EXTENSION] ?? null,
    parameters: (operation.parameters ?? []).map((parameter) => ({
      name: parameter.name,
      location: parameter.in,
      type: [parameter.schema?.type].flat().filter(Boolean).join(' or '),
      required: parameter.required === true,
      description: parameter.description ?? parameter.schema?.description ?? '',
    })),
    exampleRequest: exampleRequest(baseUrl, method, path, authenticated),
    exampleResponse: success ? prettyExample(document, success.schema, success.example) : undefined,
    responses: Object.entries(operation.responses ?? {}).map(([status, response]) => ({ status, description: response.description ?? '' })),
  };
}

function exampleRequest(baseUrl: string, method: string, path: string, authenticated: boolean): string {
  const lines = [`curl --request ${method.toUpperCase()} '${new URL(path, baseUrl).toString()}'`];
  if (authenticated) lines.push(`  --header 'Authorization: Bearer or_<prefix>_<secret>'`);
  lines.push(`  --header 'Accept: application/json'`);
  return lines.join(' \\\n');
}

// @fastify/swagger moves a lone example from an inline schema to its media object; named
// (component) schemas keep theirs.
function prettyExample(document: OpenApiDocument, schema: JsonSchema | undefined, mediaExample?: unknown): string | undefined {
  const example = mediaExample ?? resolve(document, schema)?.examples?.[0];
  return example === undefined ? undefined : JSON.stringify(example, null, 2);
}

function resolve(document: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema?.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  return document.components?.schemas?.[name];
}
