import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import type { DataFrame } from '@grafana/data';
import type { FlowQuery } from '../src/types';
import { newDataSource, nyTime, panelRequest, setTemplateVariables } from './support/fixture';

/**
 * Every optflow query of the provisioned dashboards (provisioning/grafana/dashboards/json), with the
 * dashboard's variables set (underlying SPX, expiration All), runs through this data source against
 * the real API and gets data.
 */
const DIR = join(__dirname, '..', '..', 'provisioning', 'grafana', 'dashboards', 'json');

interface StoredPanel {
  title: string;
  type: string;
  targets?: Array<FlowQuery & { datasource?: { uid?: string } }>;
}

const queries = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { panels: StoredPanel[] };
    return dashboard.panels.flatMap((panel) =>
      (panel.targets ?? [])
        .filter((t) => t.datasource?.uid === 'optflow')
        .map((t) => [`${file} / ${panel.title} / ${t.refId}`, t] as const)
    );
  });

test('the dashboards have optflow queries', () => {
  expect(queries.length).toBeGreaterThanOrEqual(10);
});

test.each(queries)('%s', async (_where, target) => {
  setTemplateVariables({ underlying: 'SPX', expiration: '*' });
  const { ds } = newDataSource();
  const { datasource: _ref, ...query } = target;
  const response = await lastValueFrom(
    ds.query(panelRequest([query], { from: nyTime('09:30'), to: nyTime('16:01'), relative: false }))
  );
  expect(response.errors ?? []).toEqual([]);
  const frames = response.data as DataFrame[];
  expect(frames.length).toBeGreaterThan(0);
  expect(frames.some((f) => f.length > 0)).toBe(true);
});
