import { LIMITS } from '@optflow/contract';
import type { ApiQuery, IntervalName, QueryType } from '@optflow/contract';
import type { Session } from '@optflow/db';
import type { FlowRange } from './flow-sql.ts';
import { tableFrame } from './frames.ts';
import type { Frame } from './frames.ts';
import { exposureFrames } from './exposure-frames.ts';
import { ivFrames } from './iv-frames.ts';
import { largestChanges, oiChangeByKey } from './oi-change.ts';
import type { OiContract } from './oi-change.ts';
import { chainSql, contractsSql, ladderSql, MAX_ROWS, maxPainSql, oiChangeSql, unusualSql } from './quote-queries.ts';
import { byUnusualness, DEFAULT_UNUSUAL, unusualRules, volumeOiRatio } from './unusual.ts';
import { checkPoints } from './validation.ts';

/** The query types that read the quotes, and their answers as frames (whole each time). */
export type QuoteQuery = ApiQuery<Exclude<QueryType, 'flow'>>;

/**
 * Frames of the query types that read the quotes (ladder, chain, contracts, gex, exposure, maxpain, unusual, oichange, iv).
 * `interval` is the plan's (maxpain buckets by it); without it, the query's own when not auto, else 5m.
 */
export async function quoteFrames(
  s: Session,
  query: QuoteQuery,
  range: FlowRange,
  interval?: IntervalName
): Promise<Frame[]> {
  switch (query.type) {
    case 'ladder': {
      const built = ladderSql(query.options, range);
      const { rows } = await s.query<{
        strike: number;
        call: number;
        put: number;
        latest: number;
        mean: number | null;
        spot: number | null;
      }>(built.sql, built.params);
      const m = query.options.measure ?? 'volume';
      const unit = m === 'premium' ? 'currencyUSD' : 'short';
      return [
        tableFrame('ladder', rows, [
          { key: 'strike', type: 'number' },
          { key: 'call', name: `call_${m}`, type: 'number', unit },
          { key: 'put', name: `put_${m}`, type: 'number', unit },
          { key: 'latest', name: `latest_${m}`, type: 'number', unit },
          { key: 'mean', name: `mean_${m}`, type: 'number', unit },
        ]),
        { name: 'spot', fields: [{ name: 'spot', type: 'number', values: [rows[0]?.spot ?? null] }] },
      ];
    }
    case 'chain': {
      const built = chainSql(query.options, range);
      const { rows } = await s.query<Record<string, string | number | null>>(built.sql, built.params);
      const text = ['contract', 'expiration', 'put_call'];
      const columns = [
        'contract',
        'expiration',
        'put_call',
        'strike',
        'bid',
        'ask',
        'mark',
        'total_volume',
        'open_interest',
        'iv',
        'delta',
        'gamma',
        'underlying_price',
      ];
      return [
        tableFrame(
          'chain',
          rows,
          columns.map((key) => ({ key, type: text.includes(key) ? ('string' as const) : ('number' as const) }))
        ),
      ];
    }
    case 'contracts': {
      const built = contractsSql(query.options, range);
      const { rows } = await s.query<{
        t: number;
        contract: string;
        volume: number;
        mark: number | null;
        total_volume: number | null;
      }>(built.sql, built.params);
      const byContract = new Map<string, typeof rows>();
      for (const r of rows) byContract.set(r.contract, [...(byContract.get(r.contract) ?? []), r]);
      return [...byContract].map(([contract, series]) =>
        tableFrame(
          contract,
          series,
          [
            { key: 't', name: 'time', type: 'time' },
            { key: 'volume', type: 'number', unit: 'short' },
            { key: 'mark', type: 'number', unit: 'currencyUSD' },
            { key: 'total_volume', type: 'number', unit: 'short' },
          ],
          { contract }
        )
      );
    }
    case 'gex':
    case 'exposure':
      return exposureFrames(s, query, range, interval ?? ownInterval(query));
    case 'iv':
      return ivFrames(s, query, range, interval ?? ownInterval(query));
    case 'maxpain': {
      const built = maxPainSql(query.options, interval ?? ownInterval(query), range);
      const { rows } = await s.query<{ t: number; expiration: string; strike: number; pain: number }>(
        `${built.sql} LIMIT ${LIMITS.maxPointsPerAnswer + 1}`,
        built.params
      );
      checkPoints(rows.length);
      const byExpiration = new Map<string, typeof rows>();
      for (const r of rows) byExpiration.set(r.expiration, [...(byExpiration.get(r.expiration) ?? []), r]);
      return [...byExpiration].map(([expiration, series]) =>
        tableFrame(
          `max_pain ${expiration}`,
          series,
          [
            { key: 't', name: 'time', type: 'time' },
            { key: 'strike', name: 'max_pain', type: 'number' },
          ],
          { expiration }
        )
      );
    }
    case 'unusual': {
      const built = unusualSql(query.options, range);
      const { rows } = await s.query<{
        contract: string;
        expiration: string;
        put_call: string;
        strike: number;
        volume: number;
        open_interest: number | null;
        price: number | null;
        premium: number;
        latest: number;
        mean: number;
      }>(built.sql, built.params);
      const o = query.options;
      const thresholds = {
        minRatio: o.minRatio ?? DEFAULT_UNUSUAL.minRatio,
        minVolume: o.minVolume ?? DEFAULT_UNUSUAL.minVolume,
        minOpenInterest: o.minOpenInterest ?? DEFAULT_UNUSUAL.minOpenInterest,
        minPrice: o.minPrice ?? DEFAULT_UNUSUAL.minPrice,
        hotFactor: o.hotFactor ?? DEFAULT_UNUSUAL.hotFactor,
      };
      const flagged = rows
        .map((r) => ({
          ...r,
          openInterest: r.open_interest,
          rules: unusualRules({ ...r, openInterest: r.open_interest }, thresholds),
        }))
        .filter((r) => r.rules.length > 0)
        .sort(byUnusualness)
        .slice(0, Math.min(o.limit ?? 100, MAX_ROWS.unusual))
        .map((r) => ({ ...r, ratio: volumeOiRatio(r), rule: r.rules.join(', ') }));
      return [
        tableFrame('unusual', flagged, [
          { key: 'contract', type: 'string' },
          { key: 'expiration', type: 'string' },
          { key: 'put_call', type: 'string' },
          { key: 'strike', type: 'number' },
          { key: 'volume', type: 'number', unit: 'short' },
          { key: 'open_interest', type: 'number', unit: 'short' },
          { key: 'ratio', name: 'volume_oi', type: 'number' },
          { key: 'price', type: 'number', unit: 'currencyUSD' },
          { key: 'premium', type: 'number', unit: 'currencyUSD' },
          { key: 'rule', type: 'string' },
        ]),
      ];
    }
    case 'oichange': {
      const built = oiChangeSql(query.options, range);
      const { rows } = await s.query<{ today: number | null; previous: number | null } & Partial<OiContract>>(
        built.sql,
        built.params
      );
      const contracts = rows.filter((r): r is typeof r & OiContract => r.contract != null);
      const sessions = tableFrame(
        'sessions',
        [{ today: rows[0]?.today ?? null, previous: rows[0]?.previous ?? null }],
        [
          { key: 'today', type: 'time' },
          { key: 'previous', type: 'time' },
        ]
      );
      const by = query.options.by ?? 'strike';
      if (by === 'contract') {
        const limit = Math.min(query.options.limit ?? 100, MAX_ROWS.oichange);
        return [
          tableFrame('oi_change', largestChanges(contracts, limit), [
            { key: 'contract', type: 'string' },
            { key: 'expiration', type: 'string' },
            { key: 'put_call', type: 'string' },
            { key: 'strike', type: 'number' },
            { key: 'open_interest', type: 'number', unit: 'short' },
            { key: 'previous_oi', name: 'previous_open_interest', type: 'number', unit: 'short' },
            { key: 'change', name: 'oi_change', type: 'number', unit: 'short' },
          ]),
          sessions,
        ];
      }
      const sums = oiChangeByKey(contracts, by).map((s) => ({ ...s, netChange: s.callChange + s.putChange }));
      return [
        tableFrame('oi_change', sums, [
          { key: 'key', name: by, type: by === 'strike' ? 'number' : 'string' },
          { key: 'callChange', name: 'call_oi_change', type: 'number', unit: 'short' },
          { key: 'putChange', name: 'put_oi_change', type: 'number', unit: 'short' },
          { key: 'netChange', name: 'net_oi_change', type: 'number', unit: 'short' },
          { key: 'callOi', name: 'call_open_interest', type: 'number', unit: 'short' },
          { key: 'putOi', name: 'put_open_interest', type: 'number', unit: 'short' },
        ]),
        sessions,
      ];
    }
  }
}

/** A series query's interval when the plan gives none: its own unless auto, else 5 minutes. */
function ownInterval(query: QuoteQuery): IntervalName {
  return query.interval === undefined || query.interval === 'auto' ? '5m' : query.interval;
}
