import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import type { TypedVariableModel } from '@grafana/data';

/** Values of the template variables the fake TemplateSrv knows (Grafana's runtime service is the boundary mocked). */
export type Variables = Record<string, string | string[]>;

export function setTemplateVariables(variables: Variables): void {
  const format = (value: string | string[], fmt?: string) =>
    Array.isArray(value) ? (fmt === 'csv' ? value.join(',') : `{${value.join(',')}}`) : value;
  const templateSrv: Pick<TemplateSrv, 'replace' | 'getVariables' | 'containsTemplate' | 'updateTimeRange'> = {
    replace: (target = '', _scopedVars, fmt) =>
      target.replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, a?: string, b?: string) => {
        const value = variables[(a ?? b)!];
        return value === undefined ? whole : format(value, typeof fmt === 'string' ? fmt : undefined);
      }),
    getVariables: () =>
      Object.keys(variables).map((name) => ({ name, type: 'custom' }) as unknown as TypedVariableModel),
    containsTemplate: (target) => /\$\w+/.test(target ?? ''),
    updateTimeRange: () => undefined,
  };
  setTemplateSrv(templateSrv as TemplateSrv);
}
