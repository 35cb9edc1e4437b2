// The gex and exposure answers: the snapshot's contracts, their greeks (the feed's or Black–Scholes),
// the chosen exposure per strike or expiration, and the gamma levels by strike; or, over time, the
// net exposure per strike or expiration at the last snapshot of each interval bucket.
import type { ApiQuery, ExposureGreek, IntervalName, QueryOptions } from '@optflow/contract';
import type { Session } from '@optflow/db';
import { sumByKey } from './call-put-sums.ts';
import type { CallPutSum } from './call-put-sums.ts';
import { contractGreeks, exposureOf } from './exposure.ts';
import type { ExposureContract, ExposureUnit, Greeks } from './exposure.ts';
import type { FlowRange } from './flow-sql.ts';
import { tableFrame } from './frames.ts';
import type { Frame } from './frames.ts';
import { gammaLevels } from './gex.ts';
import { exposureSeriesSql, exposureSql } from './quote-queries.ts';
import { runsOf } from './row-runs.ts';
import { checkPoints } from './validation.ts';

const DEFAULT_RATE = 0.05;

interface Row extends ExposureContract {
  t: number;
  spot: number | null;
  expiration: string;
  strike: number;
}
type StoredRow = Omit<Row, 'putCall'> & { put_call: 'C' | 'P' };
type Options = QueryOptions<'exposure'>;

/** The contracts priced at `spot` (the others left out: no IV, or past their close). */
function priceAll(rows: readonly StoredRow[], spot: number | null, rate: number) {
  const priced: Array<{ row: Row; greeks: Greeks }> = [];
  for (const r of rows) {
    const row = { ...r, putCall: r.put_call };
    const greeks = spot === null ? null : contractGreeks(row, r.strike, spot, rate);
    if (greeks !== null) priced.push({ row, greeks });
  }
  return priced;
}

/** Calls and puts of one greek's exposure per strike or expiration, keys ascending. */
function exposureByKey<By extends 'strike' | 'expiration'>(
  priced: ReadonlyArray<{ row: Row; greeks: Greeks }>,
  greek: ExposureGreek,
  by: By,
  spot: number,
  unit: ExposureUnit
): Array<CallPutSum<Row[By]>> {
  const sums = sumByKey(
    priced.map(({ row, greeks }) => ({
      key: row[by],
      putCall: row.putCall,
      value: exposureOf(greek, greeks[greek], row, spot, unit),
    }))
  );
  return sums.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export async function exposureFrames(
  s: Session,
  query: ApiQuery<'gex' | 'exposure'>,
  range: FlowRange,
  interval: IntervalName
): Promise<Frame[]> {
  const o: Options = query.type === 'exposure' ? query.options : { ...query.options, greek: 'gamma' };
  if (query.type === 'exposure' && o.overTime) return exposureSeries(s, o, range, interval);
  const built = exposureSql(query.options, o.weight ?? 'open_interest', range);
  const { rows } = await s.query<StoredRow>(built.sql, built.params);
  const spot = rows[0]?.spot ?? null;
  const unit = o.unit ?? 'per_move';
  const priced = priceAll(rows, spot, o.rate ?? DEFAULT_RATE);
  const gammaByStrike = spot === null ? [] : exposureByKey(priced, 'gamma', 'strike', spot, unit);
  const levels = gammaLevels(gammaByStrike);
  const levelsRow = { spot, ...levels, t: rows[0]?.t ?? null, skipped: rows.length - priced.length };
  const levelFields = [
    { key: 'spot', type: 'number' },
    { key: 'callWall', name: 'call_wall', type: 'number' },
    { key: 'putWall', name: 'put_wall', type: 'number' },
    { key: 'zeroGamma', name: 'zero_gamma', type: 'number' },
    { key: 'absGamma', name: 'abs_gamma', type: 'number' },
  ] as const;
  if (query.type === 'gex') {
    return [
      tableFrame(
        'gex',
        gammaByStrike.map((g) => ({ strike: g.key, call: g.call, put: g.put, net: g.call + g.put })),
        [
          { key: 'strike', type: 'number' },
          { key: 'call', name: 'call_gex', type: 'number', unit: 'currencyUSD' },
          { key: 'put', name: 'put_gex', type: 'number', unit: 'currencyUSD' },
          { key: 'net', name: 'net_gex', type: 'number', unit: 'currencyUSD' },
        ]
      ),
      tableFrame('levels', [levelsRow], [...levelFields]),
    ];
  }
  const by = o.by ?? 'strike';
  const buckets = spot === null ? [] : exposureByKey(priced, o.greek, by, spot, unit);
  return [
    tableFrame(
      `${o.greek} exposure`,
      buckets.map((b) => ({ key: b.key, call: b.call, put: b.put, net: b.call + b.put })),
      [
        { key: 'key', name: by, type: by === 'strike' ? 'number' : 'string' },
        { key: 'call', name: `call_${o.greek}`, type: 'number', unit: 'currencyUSD' },
        { key: 'put', name: `put_${o.greek}`, type: 'number', unit: 'currencyUSD' },
        { key: 'net', name: `net_${o.greek}`, type: 'number', unit: 'currencyUSD' },
      ]
    ),
    tableFrame(
      'levels',
      [levelsRow],
      [{ key: 't', name: 'time', type: 'time' }, ...levelFields, { key: 'skipped', type: 'number' }]
    ),
  ];
}

/**
 * The heatmap: one frame, a time field and a field per strike (or expiration) named by it, in
 * ascending order (Grafana's heatmap reads such a frame as rows of buckets); each value is the net
 * exposure at the last snapshot of the interval bucket, null where the key had no priced contract.
 */
async function exposureSeries(s: Session, o: Options, range: FlowRange, interval: IntervalName): Promise<Frame[]> {
  const built = exposureSeriesSql(o, o.weight ?? 'open_interest', interval, range);
  const { rows } = await s.query<StoredRow>(built.sql, built.params);
  const by = o.by ?? 'strike';
  const unit = o.unit ?? 'per_move';
  const times: number[] = [];
  const byKey = new Map<number | string, Map<number, number>>();
  for (const snapshot of runsOf(rows, (a, b) => a.t === b.t)) {
    const t = snapshot[0]!.t;
    const spot = snapshot.find((r) => r.spot !== null)?.spot ?? null;
    times.push(t);
    if (spot !== null)
      for (const sum of exposureByKey(priceAll(snapshot, spot, o.rate ?? DEFAULT_RATE), o.greek, by, spot, unit))
        byKey.set(sum.key, (byKey.get(sum.key) ?? new Map<number, number>()).set(t, sum.call + sum.put));
  }
  const keys = [...byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  checkPoints(times.length * keys.length);
  return [
    {
      name: `net_${o.greek} by ${by}`,
      fields: [
        { name: 'time', type: 'time', values: times },
        ...keys.map((key) => ({
          name: String(key),
          type: 'number' as const,
          unit: 'currencyUSD',
          labels: { [by]: String(key) },
          values: times.map((t) => byKey.get(key)!.get(t) ?? null),
        })),
      ],
    },
  ];
}
