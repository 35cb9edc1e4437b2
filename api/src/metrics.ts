import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SessionStats } from '@optflow/db';

/** The service's Prometheus metrics, in a registry of its own (several servers can share a process in tests). */
export function createMetrics(sources: {
  waiting: () => number;
  lastIngestAt: () => number | null;
  notifications: () => number;
  sessions: () => SessionStats;
}) {
  const registry = new Registry();
  const requests = new Counter({
    name: 'optflow_api_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'optflow_api_request_duration_seconds',
    help: 'HTTP request duration by route (long-polls include their wait)',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'optflow_api_longpoll_waiting',
    help: 'Long-poll requests waiting for new data',
    registers: [registry],
    collect() {
      this.set(sources.waiting());
    },
  });
  new Gauge({
    name: 'optflow_api_last_ingest_age_seconds',
    help: 'Seconds since the loader last committed (as notified); -1 before the first commit',
    registers: [registry],
    collect() {
      const at = sources.lastIngestAt();
      this.set(at === null ? -1 : (Date.now() - at) / 1000);
    },
  });
  new Counter({
    name: 'optflow_api_ingest_notifications_total',
    help: 'Commit notifications received on LISTEN optflow_ingest (and re-established connections)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.notifications());
    },
  });
  new Gauge({
    name: 'optflow_api_db_sessions',
    help: 'Database sessions by state: total, idle, and callers waiting for one',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const stats = sources.sessions();
      for (const state of ['total', 'idle', 'waiting'] as const) this.set({ state }, stats[state]);
    },
  });
  return { registry, requests, latency };
}
