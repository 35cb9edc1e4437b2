// The alert-rule settings read from the environment, and rendering the alerting templates
// (provisioning/alerting/) with them. Grafana does not substitute environment variables inside a
// rule's queries, so the stack renders the rules before Grafana starts (the `alerting` service of
// docker-compose.yml). Every value is checked against its pattern before it reaches SQL.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AlertSetting {
  name: string;
  default: string;
  pattern: RegExp;
  /** What a value looks like, for error messages and .env.example. */
  format: string;
}

const THRESHOLDS =
  /^\s*(?:[A-Za-z0-9._/-]{1,16}|\*)\s*=\s*\d+(?:\.\d+)?\s*(?:,\s*(?:[A-Za-z0-9._/-]{1,16}|\*)\s*=\s*\d+(?:\.\d+)?\s*)*$/;
const NUMBER = /^\d+(?:\.\d+)?$/;

export const ALERT_SETTINGS: readonly AlertSetting[] = [
  {
    name: 'OPTFLOW_ALERT_NET_VOLUME_1M',
    default: 'SPX=5000,*=2000',
    pattern: THRESHOLDS,
    format: 'UNDERLYING=contracts,...,*=contracts',
  },
  {
    name: 'OPTFLOW_ALERT_NET_VOLUME_5M',
    default: 'SPX=15000,*=6000',
    pattern: THRESHOLDS,
    format: 'UNDERLYING=contracts,...,*=contracts',
  },
  { name: 'OPTFLOW_ALERT_PREMIUM_SPIKE_FACTOR', default: '5', pattern: NUMBER, format: 'a number' },
  { name: 'OPTFLOW_ALERT_PREMIUM_MIN', default: '1000000', pattern: NUMBER, format: 'dollars' },
];

export const ALERTING_TEMPLATES = fileURLToPath(new URL('../alerting/', import.meta.url));

export class AlertSettingError extends Error {}

/** The settings' values: from the environment when set (and valid), else their defaults. */
export function alertValues(env: Readonly<Record<string, string | undefined>>): Map<string, string> {
  return new Map(
    ALERT_SETTINGS.map((s) => {
      const value = env[s.name]?.trim() || s.default;
      if (!s.pattern.test(value)) throw new AlertSettingError(`${s.name}="${value}" is not ${s.format}`);
      return [s.name, value.replace(/\s+/g, '')];
    })
  );
}

/** `%{NAME}` → its value; an unknown name is an error (a typo in a template must not render). */
export function renderTemplate(file: string, text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(/%\{(\w+)\}/g, (_, name: string) => {
    const value = values.get(name);
    if (value === undefined) throw new AlertSettingError(`${file}: unknown setting %{${name}}`);
    return value;
  });
}

/** Every template of provisioning/alerting/, rendered: file name → text. */
export function renderAlerting(
  env: Readonly<Record<string, string | undefined>>,
  dir = ALERTING_TEMPLATES
): Map<string, string> {
  const values = alertValues(env);
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => [f, renderTemplate(f, readFileSync(join(dir, f), 'utf8'), values)])
  );
}
