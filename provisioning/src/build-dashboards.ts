// Writes the provisioned dashboards (grafana/dashboards/json/*.json) from their typed sources in
// src/dashboards/ (checked against @grafana/schema). `npm run dashboards -w provisioning`; a test
// fails when the JSON files are not what this writes.
import { writeFileSync } from 'node:fs';
import { dashboardFiles } from './dashboards/index.ts';

for (const [path, text] of dashboardFiles()) {
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
