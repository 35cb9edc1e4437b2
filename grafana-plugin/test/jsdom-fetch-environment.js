// jsdom (which @grafana/data needs) plus Node's own fetch: the data-source tests make real HTTP
// requests to the API through the data-proxy emulation, and abort them on unsubscribe.
const { TestEnvironment } = require('jest-environment-jsdom');

class JsdomFetchEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of [
      'fetch',
      'Request',
      'Response',
      'Headers',
      'AbortController',
      'AbortSignal',
      'ReadableStream',
      'structuredClone',
    ]) {
      this.global[name] = globalThis[name];
    }
  }
}

module.exports = JsdomFetchEnvironment;
