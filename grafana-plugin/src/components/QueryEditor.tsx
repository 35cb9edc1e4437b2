import React, { useEffect, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, QueryEditorProps, SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import {
  Combobox,
  InlineField,
  InlineFieldRow,
  InlineSwitch,
  Input,
  MultiCombobox,
  RadioButtonGroup,
  Stack,
  useStyles2,
  type ComboboxOption,
} from '@grafana/ui';
import type { DataSource } from '../datasource';
import { validateQuery } from '../api/request-builder';
import { EXPOSURE_GREEKS, FLOW_GROUPS, FLOW_METRICS, QUERY_TYPES, type QueryType } from '@optflow/contract';
import { INTERVALS, type FlowDataSourceOptions, type FlowQuery } from '../types';
import { selectors } from './selectors';

type Props = QueryEditorProps<DataSource, FlowQuery, FlowDataSourceOptions>;

const LABEL_WIDTH = 16;
const TYPE_OPTIONS: Array<SelectableValue<QueryType>> = QUERY_TYPES.map((t) => ({
  label: t[0]!.toUpperCase() + t.slice(1),
  value: t,
}));
const METRIC_OPTIONS: Array<ComboboxOption<string>> = FLOW_METRICS.map((m) => ({
  label: m.replace(/_/g, ' '),
  value: m,
}));
const GROUP_OPTIONS: Array<SelectableValue<string>> = FLOW_GROUPS.map((g) => ({
  label: g === 'dte' ? 'DTE bucket' : g[0]!.toUpperCase() + g.slice(1),
  value: g,
}));
const INTERVAL_OPTIONS: Array<ComboboxOption<string>> = INTERVALS.map((i) => ({ label: i, value: i }));
const PUT_CALL_OPTIONS: Array<SelectableValue<string>> = [
  { label: 'Both', value: '' },
  { label: 'Calls', value: 'C' },
  { label: 'Puts', value: 'P' },
];
const MEASURE_OPTIONS: Array<SelectableValue<string>> = [
  { label: 'Volume', value: 'volume' },
  { label: 'Premium', value: 'premium' },
];
const GREEK_OPTIONS: Array<SelectableValue<string>> = EXPOSURE_GREEKS.map((g) => ({
  label: g[0]!.toUpperCase() + g.slice(1),
  value: g,
}));
const WEIGHT_OPTIONS: Array<SelectableValue<string>> = [
  { label: 'Open interest', value: 'open_interest' },
  { label: "Day's volume", value: 'volume' },
];
const EXPOSURE_BY_OPTIONS: Array<SelectableValue<string>> = [
  { label: 'Strike', value: 'strike' },
  { label: 'Expiration', value: 'expiration' },
];
const IV_MEASURE_OPTIONS: Array<SelectableValue<string>> = [
  { label: 'ATM IV', value: 'atm_iv' },
  { label: '25Δ risk reversal', value: 'risk_reversal' },
  { label: 'ATM straddle', value: 'straddle' },
  { label: 'Expected move', value: 'expected_move' },
];
const OI_CHANGE_BY_OPTIONS: Array<SelectableValue<string>> = [
  { label: 'Strike', value: 'strike' },
  { label: 'Expiration', value: 'expiration' },
  { label: 'Contract', value: 'contract' },
];
const EXPOSURE_UNIT_OPTIONS: Array<SelectableValue<string>> = [
  { label: 'Per move', value: 'per_move' },
  { label: 'Notional', value: 'notional' },
];

/** The unusual-activity thresholds (empty: the API's defaults, shown as placeholders). */
const UNUSUAL_FIELDS: Array<{
  field: 'lastMinutes' | 'minRatio' | 'minVolume' | 'minOpenInterest' | 'minPrice' | 'hotFactor';
  label: string;
  tooltip: string;
  placeholder: string;
}> = [
  {
    field: 'lastMinutes',
    label: 'Last minutes',
    tooltip: 'Only the last N minutes of the range',
    placeholder: 'whole range',
  },
  { field: 'minRatio', label: 'Min volume/OI', tooltip: 'Volume / open interest at least', placeholder: '1.25' },
  { field: 'minVolume', label: 'Min volume', tooltip: 'Volume above', placeholder: '500' },
  { field: 'minOpenInterest', label: 'Min OI', tooltip: 'Open interest above', placeholder: '100' },
  { field: 'minPrice', label: 'Min price', tooltip: 'Latest mark above', placeholder: '0.10' },
  {
    field: 'hotFactor',
    label: 'Hot factor',
    tooltip: 'Also flag contracts whose latest interval exceeds this × their mean interval',
    placeholder: '3',
  },
];

/** Dashboard variables, offered beside the API's values. */
const variableOptions = (): Array<ComboboxOption<string>> =>
  getTemplateSrv()
    .getVariables()
    .map((v) => ({ label: `$${v.name}`, value: `$${v.name}` }));

const getStyles = (theme: GrafanaTheme2) => ({
  problems: css({ color: theme.colors.error.text, margin: theme.spacing(0.5, 0, 0, 2) }),
});

const parseNumber = (text: string): number | undefined =>
  text.trim() === '' || Number.isNaN(Number(text)) ? undefined : Number(text);

/**
 * Holds a control without a test id of its own (RadioButtonGroup) or several controls. InlineField
 * passes `invalid` and friends to its child; a bare div or Stack would put them into the DOM.
 */
function Marked({
  testId,
  children,
}: {
  testId?: string;
  children: React.ReactNode;
  invalid?: boolean;
  disabled?: boolean;
  loading?: boolean;
}) {
  return <div data-testid={testId}>{children}</div>;
}

/** A labelled choice among a few values, the group marked with the field's test id. */
function RadioField<T extends string>({
  testId,
  options,
  value,
  onChange,
  ...field
}: {
  label: string;
  labelWidth: number;
  tooltip?: string;
  testId: string;
  options: Array<SelectableValue<T>>;
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <InlineField {...field}>
      <Marked testId={testId}>
        <RadioButtonGroup options={options} value={value} onChange={onChange} />
      </Marked>
    </InlineField>
  );
}

/** A labelled on/off switch. */
function SwitchField({
  testId,
  value,
  onChange,
  ...field
}: {
  label: string;
  labelWidth: number;
  tooltip?: string;
  testId: string;
  value: boolean;
  onChange: (on: boolean) => void;
}) {
  return (
    <InlineField {...field}>
      <InlineSwitch data-testid={testId} value={value} onChange={(e) => onChange(e.currentTarget.checked)} />
    </InlineField>
  );
}

/**
 * A list the editor offers from the API, reloaded when `deps` change (`load` answers null: keep
 * what is shown); a late answer for old deps is dropped.
 */
function useApiList(
  load: () => Promise<string[]> | null,
  deps: React.DependencyList,
  onError: (message: string) => void
): string[] {
  const [list, setList] = useState<string[]>([]);
  useEffect(() => {
    let current = true;
    load()?.then(
      (values) => current && setList(values),
      (e: Error) => current && onError(e.message)
    );
    return () => {
      current = false;
    };
    // `load` is a new closure each render; what it reads is in `deps`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return list;
}

/** A number input that edits on change and runs the query when left. */
function NumberInput(props: {
  id: string;
  value?: number;
  placeholder?: string;
  width?: number;
  onChange: (v: number | undefined) => void;
  onBlur: () => void;
}) {
  return (
    <Input
      data-testid={props.id}
      type="number"
      width={props.width ?? 10}
      value={props.value ?? ''}
      placeholder={props.placeholder}
      onChange={(e) => props.onChange(parseNumber(e.currentTarget.value))}
      onBlur={props.onBlur}
    />
  );
}

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const styles = useStyles2(getStyles);
  const type = query.queryType ?? 'flow';
  const [loadError, setLoadError] = useState<string | undefined>();

  const underlying = query.underlying ? getTemplateSrv().replace(query.underlying) : '';
  const underlyings = useApiList(() => datasource.underlyings(), [datasource], setLoadError);
  // An underlying still holding a variable (no dashboard here to set it) cannot be asked about.
  const expirations = useApiList(
    () => (!underlying || underlying.includes('$') ? null : datasource.expirations(underlying)),
    [datasource, underlying],
    setLoadError
  );

  const problems = useMemo(() => validateQuery(query, { interpolated: false }), [query]);
  const problemOf = (field: keyof FlowQuery) => problems.find((p) => p.field === field)?.message;

  /** Change and run at once (pickers, switches). */
  const set = (patch: Partial<FlowQuery>) => {
    const next = { ...query, ...patch };
    onChange(next);
    if (validateQuery(next, { interpolated: false }).length === 0) {
      onRunQuery();
    }
  };
  /** Change only; the number inputs run on blur. */
  const edit = (patch: Partial<FlowQuery>) => onChange({ ...query, ...patch });
  const run = () => problems.length === 0 && onRunQuery();

  const underlyingOptions = [...underlyings.map((u) => ({ label: u, value: u })), ...variableOptions()];
  const expirationOptions: Array<ComboboxOption<string>> = [
    ...[...new Set([...expirations, ...(query.expirations ?? [])])].map((e) => ({ label: e, value: e })),
    ...variableOptions(),
  ];
  const flow = type === 'flow';
  // Flow, max-pain and IV queries pick their bucket width the same way.
  const intervalPicker = (
    <Combobox
      data-testid={selectors.query.interval}
      width={10}
      options={INTERVAL_OPTIONS}
      value={query.interval ?? 'auto'}
      onChange={(o) => set({ interval: o.value as FlowQuery['interval'] })}
    />
  );

  return (
    <div>
      <InlineFieldRow>
        <RadioField
          label="Query type"
          labelWidth={LABEL_WIDTH}
          testId={selectors.query.queryType}
          options={TYPE_OPTIONS}
          value={type}
          onChange={(v) => set({ queryType: v })}
        />
        <InlineField
          label="Underlying"
          labelWidth={LABEL_WIDTH}
          invalid={!!problemOf('underlying')}
          error={problemOf('underlying') ?? loadError}
        >
          <Combobox
            data-testid={selectors.query.underlying}
            width={20}
            options={underlyingOptions}
            value={query.underlying ?? null}
            createCustomValue
            placeholder="SPX"
            onChange={(o) => set({ underlying: o?.value })}
          />
        </InlineField>
        <SwitchField
          label="Live"
          labelWidth={8}
          tooltip="Stream new data as it is committed instead of waiting for the dashboard refresh"
          testId={selectors.query.live}
          value={query.live ?? false}
          onChange={(on) => set({ live: on })}
        />
      </InlineFieldRow>

      {flow && (
        <InlineFieldRow>
          <InlineField label="Metric" labelWidth={LABEL_WIDTH}>
            <Combobox
              data-testid={selectors.query.metric}
              width={22}
              options={METRIC_OPTIONS}
              value={query.metric ?? 'net_volume'}
              onChange={(o) => set({ metric: o.value as FlowQuery['metric'] })}
            />
          </InlineField>
          <SwitchField
            label="Cumulative"
            labelWidth={12}
            tooltip="Running total from the session open"
            testId={selectors.query.cumulative}
            value={query.cumulative ?? false}
            onChange={(on) => set({ cumulative: on })}
          />
          <InlineField
            label="Rolling mean"
            labelWidth={16}
            tooltip="Mean over this many buckets"
            invalid={!!problemOf('rolling')}
            error={problemOf('rolling')}
          >
            <NumberInput
              id={selectors.query.rolling}
              value={query.rolling}
              placeholder="off"
              onChange={(rolling) => edit({ rolling })}
              onBlur={run}
            />
          </InlineField>
          <RadioField
            label="Group by"
            labelWidth={10}
            testId={selectors.query.groupBy}
            options={GROUP_OPTIONS}
            value={query.groupBy ?? 'none'}
            onChange={(g) => set({ groupBy: g as FlowQuery['groupBy'] })}
          />
          <InlineField label="Interval" labelWidth={10}>
            {intervalPicker}
          </InlineField>
        </InlineFieldRow>
      )}

      {type === 'maxpain' && (
        <InlineFieldRow>
          <InlineField label="Interval" labelWidth={LABEL_WIDTH} tooltip="Max pain at the last snapshot of each bucket">
            {intervalPicker}
          </InlineField>
        </InlineFieldRow>
      )}

      {type === 'iv' && (
        <InlineFieldRow>
          <RadioField
            label="Measure"
            labelWidth={LABEL_WIDTH}
            tooltip="Per expiration at the last snapshot of each bucket; expected move: spot ± the ATM straddle"
            testId={selectors.query.ivMeasure}
            options={IV_MEASURE_OPTIONS}
            value={query.ivMeasure ?? 'atm_iv'}
            onChange={(m) => set({ ivMeasure: m as FlowQuery['ivMeasure'] })}
          />
          <InlineField label="Interval" labelWidth={10}>
            {intervalPicker}
          </InlineField>
        </InlineFieldRow>
      )}

      <InlineFieldRow>
        <InlineField
          label="Expirations"
          labelWidth={LABEL_WIDTH}
          invalid={!!problemOf('expirations')}
          error={problemOf('expirations')}
        >
          <MultiCombobox
            data-testid={selectors.query.expirations}
            width={36}
            options={expirationOptions}
            value={query.expirations ?? []}
            createCustomValue
            placeholder="all"
            onChange={(items) => set({ expirations: items.map((i) => i.value) })}
          />
        </InlineField>
        <SwitchField
          label="0DTE"
          labelWidth={7}
          testId={selectors.query.zeroDte}
          value={query.zeroDte ?? false}
          onChange={(on) => set({ zeroDte: on })}
        />
        <InlineField
          label="DTE"
          labelWidth={6}
          invalid={!!(problemOf('dteMin') ?? problemOf('dteMax'))}
          error={problemOf('dteMin') ?? problemOf('dteMax')}
        >
          <Marked>
            <Stack gap={0.5}>
              <NumberInput
                id={selectors.query.dteMin}
                value={query.dteMin}
                placeholder="min"
                width={8}
                onChange={(dteMin) => edit({ dteMin })}
                onBlur={run}
              />
              <NumberInput
                id={selectors.query.dteMax}
                value={query.dteMax}
                placeholder="max"
                width={8}
                onChange={(dteMax) => edit({ dteMax })}
                onBlur={run}
              />
            </Stack>
          </Marked>
        </InlineField>
      </InlineFieldRow>

      {(flow || type === 'contracts') && (
        <InlineFieldRow>
          <RadioField
            label="Put/call"
            labelWidth={LABEL_WIDTH}
            testId={selectors.query.putCall}
            options={PUT_CALL_OPTIONS}
            value={query.putCall ?? ''}
            onChange={(v) => set({ putCall: v === '' ? undefined : (v as FlowQuery['putCall']) })}
          />
          <InlineField label="Strikes" labelWidth={9} invalid={!!problemOf('strikeMax')} error={problemOf('strikeMax')}>
            <Marked>
              <Stack gap={0.5}>
                <NumberInput
                  id={selectors.query.strikeMin}
                  value={query.strikeMin}
                  placeholder="min"
                  onChange={(strikeMin) => edit({ strikeMin })}
                  onBlur={run}
                />
                <NumberInput
                  id={selectors.query.strikeMax}
                  value={query.strikeMax}
                  placeholder="max"
                  onChange={(strikeMax) => edit({ strikeMax })}
                  onBlur={run}
                />
              </Stack>
            </Marked>
          </InlineField>
          {flow && (
            <>
              <InlineField
                label="± % of spot"
                labelWidth={12}
                invalid={!!problemOf('strikesAroundSpotPct')}
                error={problemOf('strikesAroundSpotPct')}
              >
                <NumberInput
                  id={selectors.query.strikesAroundSpotPct}
                  value={query.strikesAroundSpotPct}
                  placeholder="all"
                  onChange={(strikesAroundSpotPct) => edit({ strikesAroundSpotPct })}
                  onBlur={run}
                />
              </InlineField>
              <SwitchField
                label="Regular hours"
                labelWidth={16}
                tooltip="09:30–16:00 New York only"
                testId={selectors.query.regularHours}
                value={query.regularHours ?? false}
                onChange={(on) => set({ regularHours: on })}
              />
              <SwitchField
                label="OTM only"
                labelWidth={10}
                tooltip="Only contracts out of the money at their snapshot: calls above the spot, puts below"
                testId={selectors.query.otm}
                value={query.otm ?? false}
                onChange={(on) => set({ otm: on })}
              />
            </>
          )}
        </InlineFieldRow>
      )}

      {type === 'ladder' && (
        <InlineFieldRow>
          <RadioField
            label="Measure"
            labelWidth={LABEL_WIDTH}
            testId={selectors.query.measure}
            options={MEASURE_OPTIONS}
            value={query.measure ?? 'volume'}
            onChange={(m) => set({ measure: m as FlowQuery['measure'] })}
          />
          <InlineField
            label="Last minutes"
            labelWidth={14}
            invalid={!!problemOf('lastMinutes')}
            error={problemOf('lastMinutes')}
          >
            <NumberInput
              id={selectors.query.lastMinutes}
              value={query.lastMinutes}
              placeholder="whole range"
              onChange={(lastMinutes) => edit({ lastMinutes })}
              onBlur={run}
            />
          </InlineField>
        </InlineFieldRow>
      )}

      {type === 'unusual' && (
        <InlineFieldRow>
          {UNUSUAL_FIELDS.map(({ field, label, tooltip, placeholder }) => (
            <InlineField
              key={field}
              label={label}
              labelWidth={field === 'lastMinutes' ? LABEL_WIDTH : 14}
              tooltip={tooltip}
              invalid={!!problemOf(field)}
              error={problemOf(field)}
            >
              <NumberInput
                id={selectors.query[field]}
                value={query[field]}
                placeholder={placeholder}
                onChange={(v) => edit({ [field]: v })}
                onBlur={run}
              />
            </InlineField>
          ))}
        </InlineFieldRow>
      )}

      {type === 'exposure' && (
        <InlineFieldRow>
          <RadioField
            label="Greek"
            labelWidth={LABEL_WIDTH}
            testId={selectors.query.greek}
            options={GREEK_OPTIONS}
            value={query.greek ?? 'gamma'}
            onChange={(greek) => set({ greek: greek as FlowQuery['greek'] })}
          />
          <RadioField
            label="Of"
            labelWidth={6}
            tooltip="Whose exposure: the open interest or the day's volume so far"
            testId={selectors.query.weight}
            options={WEIGHT_OPTIONS}
            value={query.weight ?? 'open_interest'}
            onChange={(weight) => set({ weight: weight as FlowQuery['weight'] })}
          />
          <RadioField
            label="By"
            labelWidth={6}
            testId={selectors.query.exposureBy}
            options={EXPOSURE_BY_OPTIONS}
            value={query.exposureBy ?? 'strike'}
            onChange={(by) => set({ exposureBy: by as FlowQuery['exposureBy'] })}
          />
          <RadioField
            label="Unit"
            labelWidth={8}
            tooltip="Per move: delta and gamma per 1 % move, vanna per volatility point, charm per day. Notional: greek × weight × multiplier × spot"
            testId={selectors.query.exposureUnit}
            options={EXPOSURE_UNIT_OPTIONS}
            value={query.exposureUnit ?? 'per_move'}
            onChange={(unit) => set({ exposureUnit: unit as FlowQuery['exposureUnit'] })}
          />
          <SwitchField
            label="Over time"
            labelWidth={11}
            tooltip="A heatmap series: the net exposure per strike or expiration at the last snapshot of each interval"
            testId={selectors.query.exposureOverTime}
            value={query.exposureOverTime ?? false}
            onChange={(on) => set({ exposureOverTime: on })}
          />
          <InlineField
            label="Rate"
            labelWidth={8}
            tooltip="The risk-free rate for Black–Scholes where the feed gives no greek (0.05 is 5 %)"
            invalid={!!problemOf('rate')}
            error={problemOf('rate')}
          >
            <NumberInput
              id={selectors.query.rate}
              value={query.rate}
              placeholder="0.05"
              onChange={(rate) => edit({ rate })}
              onBlur={run}
            />
          </InlineField>
        </InlineFieldRow>
      )}

      {type === 'oichange' && (
        <InlineFieldRow>
          <RadioField
            label="By"
            labelWidth={LABEL_WIDTH}
            tooltip="Open interest at this session's first snapshot against the previous session's"
            testId={selectors.query.oiChangeBy}
            options={OI_CHANGE_BY_OPTIONS}
            value={query.oiChangeBy ?? 'strike'}
            onChange={(by) => set({ oiChangeBy: by as FlowQuery['oiChangeBy'] })}
          />
        </InlineFieldRow>
      )}

      {(type === 'chain' ||
        type === 'contracts' ||
        type === 'unusual' ||
        (type === 'oichange' && query.oiChangeBy === 'contract')) && (
        <InlineFieldRow>
          <InlineField label="Limit" labelWidth={LABEL_WIDTH} invalid={!!problemOf('limit')} error={problemOf('limit')}>
            <NumberInput
              id={selectors.query.limit}
              value={query.limit}
              placeholder={type === 'contracts' ? '5' : '100'}
              onChange={(limit) => edit({ limit })}
              onBlur={run}
            />
          </InlineField>
        </InlineFieldRow>
      )}

      {(flow || type === 'maxpain' || type === 'iv') && (
        <InlineFieldRow>
          <InlineField
            label="Legend"
            labelWidth={LABEL_WIDTH}
            tooltip="Series name; {{metric}}, {{underlying}}, {{expiration}}, {{dte}} are replaced"
          >
            <Input
              data-testid={selectors.query.legendFormat}
              width={36}
              value={query.legendFormat ?? ''}
              placeholder="auto"
              onChange={(e) => edit({ legendFormat: e.currentTarget.value || undefined })}
              onBlur={run}
            />
          </InlineField>
        </InlineFieldRow>
      )}

      {problems.length > 0 && (
        <ul data-testid={selectors.query.problems} role="alert" className={styles.problems}>
          {problems.map((p) => (
            <li key={`${p.field}:${p.message}`}>{p.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
