import { expirationsQuerySchema, queryRequestSchema, queryResponseSchema } from './schemas.ts';

/** The OpenAPI 3 document, from the very schemas the routes validate with. */
export function openApiDocument() {
  const json = (schema: object) => ({ content: { 'application/json': { schema } } });
  const error = { description: 'error', ...json({ type: 'object', properties: { error: { type: 'string' } } }) };
  const query = (name: string, required: boolean) => ({ name, in: 'query', required, schema: (expirationsQuerySchema.properties as Record<string, object>)[name] });
  return {
    openapi: '3.0.3',
    info: { title: 'optflow query API', version: '1', description: 'Incremental option-flow queries over the optflow aggregates, with long-poll.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'OPTFLOW_API_TOKEN, when the service has one' } } },
    security: [{ bearer: [] }],
    paths: {
      '/api/health': { get: { summary: 'database reachable, TimescaleDB version, latest snapshot and ingest lag per underlying', security: [], responses: { 200: { description: 'healthy' }, 503: error } } },
      '/api/underlyings': { get: { summary: 'underlyings with data', responses: { 200: { description: 'list' }, 401: error } } },
      '/api/expirations': { get: { summary: 'expirations of an underlying with flow in a range', parameters: [query('underlying', true), query('from', false), query('to', false)], responses: { 200: { description: 'list' }, 400: error, 401: error } } },
      '/api/query': {
        post: {
          summary: 'a batch of queries; send back each cursor for only what is new, and wait (seconds) to long-poll',
          requestBody: { required: true, ...json(queryRequestSchema) },
          responses: { 200: { description: 'one result per query', ...json(queryResponseSchema) }, 204: { description: 'noContentWhenUnchanged: nothing committed since the cursors' }, 400: error, 401: error, 413: error, 503: error },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format' } } } },
    },
  };
}
