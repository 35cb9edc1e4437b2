/** The optflow API's JSON, as documented in its `/api/openapi.json`. */

export interface ApiQuery {
  refId: string;
  type: string;
  interval?: string;
  cursor?: string;
  options: Record<string, unknown>;
}

export interface ApiQueryRequest {
  range: { from: number; to: number };
  maxDataPoints?: number;
  /** Long-poll: seconds to hold the answer until new data is committed. */
  wait?: number;
  noContentWhenUnchanged?: boolean;
  queries: ApiQuery[];
}

export type ApiValue = number | string | null;

export interface ApiField {
  name: string;
  type: 'time' | 'number' | 'string';
  unit?: string;
  labels?: Record<string, string>;
  values: ApiValue[];
}

export interface ApiFrame {
  name: string;
  fields: ApiField[];
}

export interface ApiResult {
  refId: string;
  interval: string;
  frames: ApiFrame[];
  cursor: string;
  /** The frames carry the whole range: replace what is held. */
  reset: boolean;
}

export interface ApiQueryResponse {
  results: ApiResult[];
}

export interface ApiHealth {
  ok: boolean;
  error?: string;
  database?: { backend: string; serverVersion: string; timescaledb: string | null };
  underlyings?: Array<{ underlying: string; latest: string; ingestLagSeconds: number }>;
}
