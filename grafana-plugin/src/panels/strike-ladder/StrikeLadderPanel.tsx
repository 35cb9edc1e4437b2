import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { formattedValueToString, getValueFormat, type GrafanaTheme2, type PanelProps } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { ladderModel, spotPosition, type LadderRow } from './ladder-model';
import type { StrikeLadderOptions } from './types';

const HEADER = 22;
const LABEL_WIDTH = 64;
/** Few strikes should not make bars as thick as the panel is tall. */
const MAX_ROW_HEIGHT = 26;

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    position: 'relative',
    fontFamily: theme.typography.fontFamily,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  empty: css({ color: theme.colors.text.secondary, padding: theme.spacing(1) }),
  tooltip: css({
    position: 'absolute',
    pointerEvents: 'none',
    background: theme.colors.background.elevated,
    border: `1px solid ${theme.colors.border.weak}`,
    boxShadow: theme.shadows.z2,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(0.5, 1),
    whiteSpace: 'nowrap',
    zIndex: 1,
  }),
});

/**
 * Horizontal bars by strike: puts to the left of the strike column, calls to the right, the spot
 * price as a dashed line, strikes whose latest interval runs hot on a highlighted band.
 */
export function StrikeLadderPanel({ data, options, width, height }: PanelProps<StrikeLadderOptions>) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const [hovered, setHovered] = useState<number | null>(null);
  const model = useMemo(() => ladderModel(data.series, options), [data.series, options]);

  if (!model || model.rows.length === 0) {
    return <div className={styles.empty}>No ladder data: use an optflow query of type Ladder.</div>;
  }
  const format = (v: number) =>
    formattedValueToString(getValueFormat(model.unit === 'short' ? 'count:contracts' : (model.unit ?? 'none'))(v));
  const callColor = theme.visualization.getColorByName(options.callColor);
  const putColor = theme.visualization.getColorByName(options.putColor);
  const rowHeight = Math.min(MAX_ROW_HEIGHT, Math.max(4, (height - HEADER) / model.rows.length));
  const centre = width / 2;
  const half = Math.max(0, centre - LABEL_WIDTH / 2 - 4);
  const scale = (v: number) => (model.max > 0 ? (v / model.max) * half : 0);
  const spotAt = options.showSpot ? spotPosition(model.rows, model.spot) : null;
  const hoveredRow: LadderRow | undefined = hovered === null ? undefined : model.rows[hovered];

  return (
    <div className={styles.root} style={{ width, height }} data-testid="optflow-strike-ladder">
      <svg width={width} height={height} role="img" aria-label={`Strike ladder of ${model.measure}`}>
        <text x={centre - LABEL_WIDTH / 2 - 4} y={14} textAnchor="end" fill={putColor}>
          ← puts
        </text>
        <text x={centre + LABEL_WIDTH / 2 + 4} y={14} fill={callColor}>
          calls →
        </text>
        {model.rows.map((row, i) => {
          const y = HEADER + i * rowHeight;
          const bar = Math.max(1, rowHeight - 2);
          return (
            <g
              key={row.strike}
              data-testid={`optflow-ladder-row-${row.strike}`}
              data-hot={row.hot}
              onMouseEnter={() => setHovered(i)}
              onMouseLeave={() => setHovered(null)}
            >
              <rect
                x={0}
                y={y}
                width={width}
                height={rowHeight}
                fill={row.hot ? theme.colors.warning.transparent : 'transparent'}
              />
              <rect
                x={centre - LABEL_WIDTH / 2 - scale(row.put)}
                y={y + 1}
                width={scale(row.put)}
                height={bar}
                fill={putColor}
              />
              <rect x={centre + LABEL_WIDTH / 2} y={y + 1} width={scale(row.call)} height={bar} fill={callColor} />
              <text
                x={centre}
                y={y + rowHeight / 2}
                dominantBaseline="middle"
                textAnchor="middle"
                fill={row.hot ? theme.colors.warning.text : theme.colors.text.primary}
                fontWeight={row.hot ? theme.typography.fontWeightBold : theme.typography.fontWeightRegular}
              >
                {row.strike}
              </text>
            </g>
          );
        })}
        {spotAt !== null && (
          <g data-testid="optflow-ladder-spot">
            <line
              x1={0}
              x2={width}
              y1={HEADER + (spotAt + 0.5) * rowHeight}
              y2={HEADER + (spotAt + 0.5) * rowHeight}
              stroke={theme.colors.text.secondary}
              strokeDasharray="4 3"
            />
            <text
              x={width - 4}
              y={HEADER + (spotAt + 0.5) * rowHeight - 3}
              textAnchor="end"
              fill={theme.colors.text.secondary}
            >
              spot {model.spot}
              {spotAt < 0 ? ' ↑' : spotAt > model.rows.length - 1 ? ' ↓' : ''}
            </text>
          </g>
        )}
      </svg>
      {hoveredRow && hovered !== null && (
        <div
          className={styles.tooltip}
          role="tooltip"
          style={{ top: HEADER + (hovered + 1) * rowHeight, left: centre + LABEL_WIDTH / 2 }}
        >
          <div>
            <strong>Strike {hoveredRow.strike}</strong>
            {hoveredRow.hot ? ' — hot' : ''}
          </div>
          <div>Calls: {format(hoveredRow.call)}</div>
          <div>Puts: {format(hoveredRow.put)}</div>
          <div>
            Latest interval: {format(hoveredRow.latest)} (mean {format(hoveredRow.mean)})
          </div>
        </div>
      )}
    </div>
  );
}
