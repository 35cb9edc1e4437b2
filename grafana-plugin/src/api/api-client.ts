import { getBackendSrv, isFetchError, type FetchResponse } from '@grafana/runtime';
import { Observable, catchError, map, throwError } from 'rxjs';
import { errorMessage, type ApiQueryRequest, type ApiQueryResponse } from '@optflow/contract';

/** An API call that failed, with the HTTP status (0: the API could not be reached). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Grafana's data proxy answers 502 when it cannot reach the API (connection refused, DNS, TLS). */
const UNREACHABLE = new Set([0, 502, 503, 504]);

function toApiError(error: unknown, path: string): ApiError {
  if (isFetchError(error)) {
    const body = error.data as { error?: unknown; message?: unknown } | undefined;
    const detail =
      typeof body?.error === 'string'
        ? body.error
        : typeof body?.message === 'string'
          ? body.message
          : error.statusText;
    if (error.status === 401 || error.status === 403) {
      return new ApiError(
        `optflow API refused ${path}: unauthorized (check the API token in the data source settings)`,
        error.status
      );
    }
    if (error.status === 503 && typeof body?.error === 'string') {
      return new ApiError(`optflow API ${path}: ${body.error}`, 503);
    }
    if (UNREACHABLE.has(error.status)) {
      return new ApiError(
        `optflow API unreachable (${error.status || 'no answer'}${detail ? `: ${detail}` : ''}); check the API URL and that optflow serve is running`,
        error.status
      );
    }
    return new ApiError(`optflow API ${path}: ${error.status} ${detail ?? ''}`.trim(), error.status);
  }
  return new ApiError(`optflow API ${path}: ${errorMessage(error)}`, 0);
}

/**
 * The optflow API through Grafana's data proxy (`<instance url>/api/...`, see plugin.json routes):
 * the browser never sees the API's address or token. Unsubscribing aborts the request.
 */
export class ApiClient {
  constructor(private readonly baseUrl: string) {}

  get<T>(path: string, params: Record<string, string> = {}): Observable<T> {
    return this.#fetch<T>({ method: 'GET', url: `${this.baseUrl}${path}`, params }, path).pipe(map((r) => r.data));
  }

  /** `null` when the API answered 204 (nothing new since the cursors). */
  query(body: ApiQueryRequest, requestId?: string): Observable<ApiQueryResponse | null> {
    return this.#fetch<ApiQueryResponse>(
      { method: 'POST', url: `${this.baseUrl}/api/query`, data: body, requestId },
      '/api/query'
    ).pipe(map((r) => (r.status === 204 || !r.data ? null : r.data)));
  }

  #fetch<T>(
    options: { method: string; url: string; params?: Record<string, string>; data?: unknown; requestId?: string },
    path: string
  ): Observable<FetchResponse<T>> {
    return getBackendSrv()
      .fetch<T>({ ...options, showErrorAlert: false, showSuccessAlert: false, hideFromInspector: false })
      .pipe(catchError((error: unknown) => throwError(() => toApiError(error, path))));
  }
}
