import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';
import { Observable, lastValueFrom } from 'rxjs';

/** Where a request goes, as Grafana's data proxy would send it. */
export type ProxyRoute = (url: string) => { url: string; headers: Record<string, string> };

/**
 * plugin.json's route for the data proxy: `<instance url>/api/...` → `<apiUrl>/api/...` with
 * `Authorization: Bearer <token>` (what Grafana does with the route's `url` and `headers`).
 */
export function dataProxyRoute(instanceUrl: string, apiUrl: string, token: string): ProxyRoute {
  return (url) => {
    if (!url.startsWith(`${instanceUrl}/api/`)) {
      throw new Error(`no data-proxy route for ${url}`);
    }
    return { url: `${apiUrl}${url.slice(instanceUrl.length)}`, headers: { authorization: `Bearer ${token}` } };
  };
}

/**
 * Grafana's `backendSrv.fetch` over the platform's fetch: the real HTTP request, JSON bodies, a
 * FetchError for HTTP errors, 502 when the upstream cannot be reached (as the data proxy answers),
 * and an aborted request on unsubscribe. Every request is recorded in `requests`.
 */
export function fetchBackendSrv(route: ProxyRoute): BackendSrv & { requests: BackendSrvRequest[]; open: () => number } {
  const requests: BackendSrvRequest[] = [];
  let open = 0;
  const fetchObservable = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable<FetchResponse<T>>((subscriber) => {
      requests.push(options);
      const controller = new AbortController();
      const target = route(options.url);
      const query = options.params
        ? `?${new URLSearchParams(options.params as Record<string, string>).toString()}`
        : '';
      const hasBody = options.data !== undefined;
      open++;
      let settled = false;
      const settle = () => {
        if (!settled) {
          open--;
        }
        settled = true;
      };
      const fail = (error: FetchError) => {
        settle();
        subscriber.error(error);
      };
      fetch(`${target.url}${query}`, {
        method: options.method ?? 'GET',
        headers: { ...target.headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
        body: hasBody ? JSON.stringify(options.data) : undefined,
        signal: controller.signal,
      })
        .then(async (response) => {
          const text = await response.text();
          const data = text ? (JSON.parse(text) as T) : (undefined as T);
          if (!response.ok) {
            return fail({ status: response.status, statusText: response.statusText, data, config: options });
          }
          settle();
          subscriber.next({
            data,
            status: response.status,
            statusText: response.statusText,
            ok: response.ok,
            headers: response.headers,
            redirected: response.redirected,
            type: response.type,
            url: response.url,
            config: options,
          });
          subscriber.complete();
        })
        .catch((error: Error) => {
          if (controller.signal.aborted) {
            return settle();
          }
          fail({
            status: 502,
            statusText: 'Bad Gateway',
            data: { message: `data proxy: ${error.message}` },
            config: options,
          });
        });
      return () => {
        if (!settled) {
          controller.abort();
        }
      };
    });
  const send = <T>(options: BackendSrvRequest) => lastValueFrom(fetchObservable<T>(options)).then((r) => r.data);
  const unsupported = () => Promise.reject(new Error('not used by the optflow data source'));
  return {
    requests,
    open: () => open,
    fetch: fetchObservable,
    get: <T>(url: string, params?: Record<string, string>) => send<T>({ url, params }),
    post: <T>(url: string, data?: unknown) => send<T>({ url, method: 'POST', data }),
    put: unsupported,
    patch: unsupported,
    delete: unsupported,
    request: (options) => send(options),
    datasourceRequest: (options) => lastValueFrom(fetchObservable(options)),
    chunked: () => {
      throw new Error('not used by the optflow data source');
    },
  };
}
