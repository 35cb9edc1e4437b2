export { createApi } from './server.ts';
export type { ApiOptions } from './server.ts';
