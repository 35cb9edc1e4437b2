import React from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, SecretInput, Switch } from '@grafana/ui';
import type { FlowDataSourceOptions, FlowSecureJsonData } from '../types';
import { selectors } from './selectors';
import { DEFAULT_STALE_AFTER_MINUTES } from '../frames/staleness';

type Props = DataSourcePluginOptionsEditorProps<FlowDataSourceOptions, FlowSecureJsonData>;

const URL_PATTERN = /^https?:\/\/[^\s/]+(\/\S*)?$/;
/** The route appends `/api/...`: no trailing slash. */
const normalizeUrl = (url: string) => url.trim().replace(/\/+$/, '');

/** Where the API is, its token (write-only: Grafana keeps it encrypted), and query defaults. */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData } = options;
  const secureJsonFields = options.secureJsonFields ?? {};
  const secureJsonData = (options.secureJsonData ?? {}) as FlowSecureJsonData;
  const setJson = (patch: Partial<FlowDataSourceOptions>) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });
  const apiUrl = jsonData.apiUrl ?? '';
  const urlProblem = apiUrl && !URL_PATTERN.test(apiUrl) ? 'A URL such as http://optflow-api:3100' : undefined;

  return (
    <>
      <FieldSet label="optflow API">
        <Field
          label="API URL"
          description="Where Grafana's server reaches optflow serve; browsers only talk to Grafana."
          required
          invalid={!!urlProblem}
          error={urlProblem}
        >
          <Input
            data-testid={selectors.config.apiUrl}
            width={48}
            value={apiUrl}
            placeholder="http://localhost:3100"
            onChange={(e) => setJson({ apiUrl: e.currentTarget.value })}
            onBlur={() => setJson({ apiUrl: normalizeUrl(apiUrl) })}
          />
        </Field>
        <Field
          label="API token"
          description="The value of OPTFLOW_API_TOKEN; leave empty when the API has none. Stored encrypted."
        >
          <SecretInput
            data-testid={selectors.config.apiToken}
            width={48}
            isConfigured={secureJsonFields.apiToken === true}
            value={secureJsonData.apiToken ?? ''}
            placeholder="token"
            onChange={(e) =>
              onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, apiToken: e.currentTarget.value } })
            }
            onReset={() =>
              onOptionsChange({
                ...options,
                secureJsonFields: { ...secureJsonFields, apiToken: false },
                secureJsonData: { ...secureJsonData, apiToken: '' },
              })
            }
          />
        </Field>
      </FieldSet>
      <FieldSet label="Query defaults">
        <Field label="Default underlying" description="New queries start with it, e.g. SPX.">
          <Input
            data-testid={selectors.config.defaultUnderlying}
            width={20}
            value={jsonData.defaultUnderlying ?? ''}
            placeholder="SPX"
            onChange={(e) => setJson({ defaultUnderlying: e.currentTarget.value.trim() || undefined })}
          />
        </Field>
        <Field
          label="Live by default"
          description="New queries stream new data as it is committed (long-poll) instead of waiting for the dashboard refresh."
        >
          <Switch
            data-testid={selectors.config.liveByDefault}
            value={jsonData.liveByDefault ?? false}
            onChange={(e) => setJson({ liveByDefault: e.currentTarget.checked })}
          />
        </Field>
        <Field
          label="Stale after (minutes)"
          description="During market hours, panels whose latest snapshot is older than this show a warning."
        >
          <Input
            data-testid={selectors.config.staleAfterMinutes}
            width={10}
            type="number"
            min={1}
            value={jsonData.staleAfterMinutes ?? ''}
            placeholder={String(DEFAULT_STALE_AFTER_MINUTES)}
            onChange={(e) => {
              const minutes = Number(e.currentTarget.value);
              setJson({ staleAfterMinutes: e.currentTarget.value !== '' && minutes > 0 ? minutes : undefined });
            }}
          />
        </Field>
      </FieldSet>
    </>
  );
}
