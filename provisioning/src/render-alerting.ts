// `tsx provisioning/src/render-alerting.ts <dir>`: writes Grafana's alerting provisioning files,
// rendered with the thresholds from the environment, into <dir>. Exit 2 on a bad setting.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlertSettingError, renderAlerting } from './alerting.ts';

const out = process.argv[2];
if (!out || out === '--help' || out === '-h') {
  console.log(
    'usage: render-alerting <dir>   render provisioning/alerting/*.yaml with OPTFLOW_ALERT_* from the environment into <dir>'
  );
  process.exit(out ? 0 : 2);
}
try {
  mkdirSync(out, { recursive: true });
  for (const [file, text] of renderAlerting(process.env)) {
    writeFileSync(join(out, file), text);
    console.log(`wrote ${join(out, file)}`);
  }
} catch (error) {
  if (!(error instanceof AlertSettingError)) throw error;
  console.error(`render-alerting: ${error.message}`);
  process.exit(2);
}
