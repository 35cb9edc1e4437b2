// The gex and exposure answers: one reading of the snapshot's contracts, their greeks (the feed's or
// Black–Scholes), the chosen exposure per strike or expiration, and the gamma levels by strike.
import type { ApiQuery, ExposureGreek } from '@optflow/contract';
import type { Session } from '@optflow/db';
import { sumByKey } from './call-put-sums.ts';
import { contractGreeks, exposureOf } from './exposure.ts';
import type { ExposureContract, ExposureUnit, Greeks } from './exposure.ts';
import type { FlowRange } from './flow-sql.ts';
import { tableFrame } from './frames.ts';
import type { Frame } from './frames.ts';
import { gammaLevels } from './gex.ts';
import { exposureSql } from './quote-queries.ts';

const DEFAULT_RATE = 0.05;

interface Row extends ExposureContract {
  t: number;
  spot: number | null;
  expiration: string;
  strike: number;
}

export async function exposureFrames(
  s: Session,
  query: ApiQuery<'gex' | 'exposure'>,
  range: FlowRange
): Promise<Frame[]> {
  const o = query.type === 'exposure' ? query.options : { ...query.options, greek: 'gamma' as const };
  const built = exposureSql(query.options, o.weight ?? 'open_interest', range);
  const { rows } = await s.query<Omit<Row, 'putCall'> & { put_call: 'C' | 'P' }>(built.sql, built.params);
  const spot = rows[0]?.spot ?? null;
  const unit: ExposureUnit = o.unit ?? 'per_move';
  const priced: Array<{ row: Row; greeks: Greeks }> = [];
  for (const r of rows) {
    const row = { ...r, putCall: r.put_call };
    const greeks = spot === null ? null : contractGreeks(row, r.strike, spot, o.rate ?? DEFAULT_RATE);
    if (greeks !== null) priced.push({ row, greeks });
  }
  const exposure = (greek: ExposureGreek, { row, greeks }: (typeof priced)[number]) =>
    exposureOf(greek, greeks[greek], row, spot!, unit);
  const gammaByStrike = sumByKey(
    priced.map((c) => ({ key: c.row.strike, putCall: c.row.putCall, value: exposure('gamma', c) }))
  );
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
  const buckets = sumByKey(
    priced.map((c) => ({
      key: by === 'strike' ? c.row.strike : c.row.expiration,
      putCall: c.row.putCall,
      value: exposure(o.greek, c),
    }))
  );
  if (by === 'expiration') buckets.sort((a, b) => String(a.key).localeCompare(String(b.key)));
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
