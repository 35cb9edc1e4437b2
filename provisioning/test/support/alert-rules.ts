import { parse } from 'yaml';
import { renderAlerting } from '../../src/alerting.ts';

export interface AlertRule {
  uid: string;
  data: Array<{
    refId: string;
    datasourceUid: string;
    model: Record<string, unknown> & { rawSql?: string; format?: string };
  }>;
  noDataState: string;
  labels?: Record<string, string>;
  annotations: Record<string, string>;
}

/** The alert rules as the stack's `alerting` service renders them with the default settings. */
export function renderedRules(): AlertRule[] {
  const text = renderAlerting({}).get('optflow-rules.yaml')!;
  return (parse(text) as { groups: Array<{ rules: AlertRule[] }> }).groups.flatMap((g) => g.rules);
}

/** The labels the notification policy groups alerts by. */
export function policyGroupBy(): string[] {
  const text = renderAlerting({}).get('optflow-notifications.yaml')!;
  return (parse(text) as { policies: Array<{ group_by: string[] }> }).policies.flatMap((p) => p.group_by);
}
