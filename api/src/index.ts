export { createApi, listenApi } from './server.ts';
export type { ApiOptions, ListeningApi } from './server.ts';
