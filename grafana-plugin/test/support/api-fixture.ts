// The running API fixture (no Grafana imports: usable in the node environment).

/** What test/api-server/global-setup.js started: the real API on a loaded and an empty database. */
export interface Fixture {
  api: string;
  emptyApi: string;
  control: string;
  token: string;
  loadedBatches: number;
  totalBatches: number;
}

export function fixture(): Fixture {
  const text = process.env.OPTFLOW_PLUGIN_FIXTURE;
  if (!text)
    throw new Error('OPTFLOW_PLUGIN_FIXTURE is not set: run these tests through jest (global setup starts the API)');
  return JSON.parse(text) as Fixture;
}

/** Loads the next `batches` row groups (30 snapshots each) of the fixture day through the real loader. */
export async function appendBatches(batches: number): Promise<{ loadedBatches: number; totalBatches: number }> {
  const response = await fetch(`${fixture().control}/append?batches=${batches}`, { method: 'POST' });
  if (!response.ok) throw new Error(`fixture append: ${response.status} ${await response.text()}`);
  return (await response.json()) as { loadedBatches: number; totalBatches: number };
}

export async function stopEmptyDatabase(): Promise<void> {
  const response = await fetch(`${fixture().control}/stop-empty-db`, { method: 'POST' });
  if (!response.ok) throw new Error(`fixture stop-empty-db: ${response.status}`);
}

/**
 * A data source as Grafana would create it, whose requests go through the plugin.json route to
 * the real API (`route` overrides where they go, e.g. a closed port).
 */
