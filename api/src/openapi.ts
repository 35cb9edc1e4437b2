import {
  errorSchema,
  expirationsQuerySchema,
  expirationsResponseSchema,
  healthResponseSchema,
  LIMITS,
  queryRequestSchema,
  queryResponseSchema,
  underlyingsResponseSchema,
} from '@optflow/contract';

/**
 * The OpenAPI 3.1 document, from the very schemas the routes validate with (3.1: its schemas are
 * JSON Schema, with const, type arrays and numeric exclusiveMinimum as ours use them).
 */
export function openApiDocument() {
  const json = (schema: object) => ({ content: { 'application/json': { schema } } });
  const error = (description: string) => ({ description, ...json(errorSchema) });
  const query = (name: string, required: boolean) => ({
    name,
    in: 'query',
    required,
    schema: (expirationsQuerySchema.properties as Record<string, object>)[name],
  });
  const unavailable = error(
    'the database is unavailable, or the request exceeded its deadline for database work (Retry-After)'
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'optflow query API',
      version: '1',
      description:
        'Incremental option-flow queries over the optflow aggregates, with long-poll. Every request is validated before any query: ' +
        'bodies strictly (unknown properties are rejected, values are not coerced), times within years 1970–9999, dates real calendar dates, ' +
        'cursors signed by the API (a tampered one is a 400). 5xx answers mean the database is unavailable or the request ran out of its deadline (503).',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'OPTFLOW_API_TOKEN, when the service has one' },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/health': {
        get: {
          summary:
            'whether the service and its database are up; with the token (or without one configured) also the versions, underlyings, latest snapshot and ingest lag',
          security: [],
          responses: {
            200: { description: 'healthy', ...json(healthResponseSchema) },
            503: { description: 'the database is unavailable ({ok: false})', ...json(healthResponseSchema) },
          },
        },
      },
      '/api/underlyings': {
        get: {
          summary: 'underlyings with data',
          responses: {
            200: { description: 'list', ...json(underlyingsResponseSchema) },
            401: error('no or a wrong token'),
            503: unavailable,
          },
        },
      },
      '/api/expirations': {
        get: {
          summary: 'expirations of an underlying with flow in a range',
          parameters: [query('underlying', true), query('from', false), query('to', false)],
          responses: {
            200: { description: 'list', ...json(expirationsResponseSchema) },
            400: error('a parameter is invalid or unknown'),
            401: error('no or a wrong token'),
            503: unavailable,
          },
        },
      },
      '/api/query': {
        post: {
          summary: 'a batch of queries; send back each cursor for only what is new, and wait (seconds) to long-poll',
          requestBody: {
            required: true,
            description: `Validated strictly: unknown properties are rejected (additionalProperties: false) and values are not coerced ("5" is not a number). At most ${LIMITS.maxQueries} queries and ${LIMITS.bodyBytes / 1024} KiB.`,
            ...json(queryRequestSchema),
          },
          responses: {
            200: { description: 'one result per query', ...json(queryResponseSchema) },
            204: { description: 'noContentWhenUnchanged: nothing committed since the cursors' },
            400: error('invalid request (the message names the field)'),
            401: error('no or a wrong token'),
            413: error('body too large'),
            503: error(
              'too many waiting long-polls, the database is unavailable, or the request exceeded its deadline for database work (Retry-After)'
            ),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: { 200: { description: 'text exposition format' }, 401: error('no or a wrong token') },
        },
      },
    },
  };
}
