import { getDefaultTimeRange, LoadingState, type DataFrame, type PanelProps, type TimeRange } from '@grafana/data';

/**
 * The props Grafana gives a panel, for rendering one outside Grafana (unit tests, the preview
 * page): its data, options and size; the callbacks do nothing.
 */
export function panelProps<T>(
  series: DataFrame[],
  options: T,
  size: { width: number; height: number; title: string },
  timeRange: TimeRange = getDefaultTimeRange(),
  timeZone = 'utc'
): PanelProps<T> {
  return {
    id: 1,
    data: { series, state: LoadingState.Done, timeRange },
    timeRange,
    timeZone,
    options,
    transparent: false,
    width: size.width,
    height: size.height,
    fieldConfig: { defaults: {}, overrides: [] },
    renderCounter: 0,
    title: size.title,
    eventBus: undefined,
    replaceVariables: (s: string) => s,
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    onChangeTimeRange: () => undefined,
  } as unknown as PanelProps<T>;
}
