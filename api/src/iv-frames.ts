// The iv answer: per expiration, one point per interval bucket measured at the bucket's last
// snapshot (as max pain), from the contracts read by ivSql.
import type { ApiQuery, IntervalName } from '@optflow/contract';
import type { Session } from '@optflow/db';
import type { FlowRange } from './flow-sql.ts';
import { tableFrame } from './frames.ts';
import type { Frame } from './frames.ts';
import { ivMeasures } from './iv-measures.ts';
import type { IvContract } from './iv-measures.ts';
import { ivSql } from './quote-queries.ts';
import { runsOf } from './row-runs.ts';
import { BadRequest, checkPoints } from './validation.ts';

/** Contracts one answer may read: buckets × contracts of a snapshot. */
const MAX_CONTRACT_ROWS = 1_000_000;

type Row = { t: number; expiration: string; put_call: 'C' | 'P'; strike: number; spot: number | null } & Omit<
  IvContract,
  'putCall' | 'strike'
>;

export async function ivFrames(
  s: Session,
  query: ApiQuery<'iv'>,
  range: FlowRange,
  interval: IntervalName
): Promise<Frame[]> {
  const built = ivSql(query.options, interval, range);
  const { rows } = await s.query<Row>(`${built.sql} LIMIT ${MAX_CONTRACT_ROWS + 1}`, built.params);
  if (rows.length > MAX_CONTRACT_ROWS)
    throw new BadRequest(
      `more than ${MAX_CONTRACT_ROWS} contracts to read; choose a coarser interval, a shorter range or fewer expirations`
    );
  // Rows come by expiration, then bucket: each run of equal (expiration, t) is one snapshot's chain.
  const points = new Map<
    string,
    Array<{ t: number; value: number | null; lower: number | null; upper: number | null }>
  >();
  for (const run of runsOf(rows, (a, b) => a.expiration === b.expiration && a.t === b.t)) {
    const { expiration, t } = run[0]!;
    const spot = run.find((r) => r.spot !== null)?.spot ?? null;
    const chain = run.map((r) => ({ ...r, putCall: r.put_call }));
    const m = ivMeasures(chain, spot);
    const value = { atm_iv: m.atmIv, risk_reversal: m.riskReversal, straddle: m.straddle, expected_move: m.straddle }[
      query.options.measure
    ];
    if (value !== null) {
      const band = spot !== null && m.straddle !== null;
      points.set(expiration, [
        ...(points.get(expiration) ?? []),
        { t, value, lower: band ? spot! - m.straddle! : null, upper: band ? spot! + m.straddle! : null },
      ]);
    }
  }
  checkPoints([...points.values()].reduce((n, series) => n + series.length, 0));
  const measure = query.options.measure;
  return [...points].map(([expiration, series]) =>
    tableFrame(
      `${measure} ${expiration}`,
      series,
      measure === 'expected_move'
        ? [
            { key: 't', name: 'time', type: 'time' },
            { key: 'lower', name: 'expected_move_lower', type: 'number', unit: 'currencyUSD' },
            { key: 'upper', name: 'expected_move_upper', type: 'number', unit: 'currencyUSD' },
          ]
        : [
            { key: 't', name: 'time', type: 'time' },
            { key: 'value', name: measure, type: 'number', unit: measure === 'straddle' ? 'currencyUSD' : 'percent' },
          ],
      { expiration }
    )
  );
}
