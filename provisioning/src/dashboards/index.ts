import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@grafana/schema';
import { ingestHealth } from './ingest-health.ts';
import { optionsFlow } from './options-flow.ts';
import { strikeLadder } from './strike-ladder.ts';

export const DASHBOARDS: Readonly<Record<string, Dashboard>> = {
  'options-flow': optionsFlow,
  'strike-ladder': strikeLadder,
  'ingest-health': ingestHealth,
};

export const DASHBOARD_DIR = fileURLToPath(new URL('../../grafana/dashboards/json/', import.meta.url));

/** Each dashboard's JSON file and its text. */
export function dashboardFiles(): Array<[string, string]> {
  return Object.entries(DASHBOARDS).map(([name, dashboard]) => [
    `${DASHBOARD_DIR}${name}.json`,
    `${JSON.stringify(dashboard, null, 2)}\n`,
  ]);
}
