import { createDataFrame, FieldType } from '@grafana/data';
import { ladderModel, spotPosition, type LadderRow } from './ladder-model';

const ladder = (rows: Array<[number, number, number, number, number]>, spot: number | null, measure = 'volume') => [
  createDataFrame({
    name: 'ladder',
    fields: [
      { name: 'strike', type: FieldType.number, values: rows.map((r) => r[0]) },
      { name: `call_${measure}`, type: FieldType.number, values: rows.map((r) => r[1]), config: { unit: 'short' } },
      { name: `put_${measure}`, type: FieldType.number, values: rows.map((r) => r[2]) },
      { name: `latest_${measure}`, type: FieldType.number, values: rows.map((r) => r[3]) },
      { name: `mean_${measure}`, type: FieldType.number, values: rows.map((r) => r[4]) },
    ],
  }),
  createDataFrame({ name: 'spot', fields: [{ name: 'spot', type: FieldType.number, values: [spot] }] }),
];

describe('ladderModel', () => {
  test('rows highest strike first; bars scale to the largest side; hot when latest > k × mean', () => {
    const model = ladderModel(
      ladder(
        [
          [4190, 10, 50, 3, 1],
          [4200, 80, 20, 2, 1],
          [4210, 5, 0, 0, 0],
        ],
        4201.5
      ),
      { hotFactor: 2, maxStrikes: 40 }
    )!;
    expect(model.rows.map((r) => [r.strike, r.hot])).toEqual([
      [4210, false],
      [4200, false],
      [4190, true],
    ]);
    expect(model.max).toBe(80);
    expect(model.spot).toBe(4201.5);
    expect(model.measure).toBe('volume');
    expect(model.unit).toBe('short');
  });

  test.each([
    ['exactly k × mean is not hot', [4200, 1, 1, 2, 1], 2, false],
    ['no latest volume is never hot', [4200, 1, 1, 0, 0], 2, false],
    ['latest with no history is hot', [4200, 1, 1, 1, 0], 2, true],
    ['nulls count as zero', [4200, null, null, null, null], 2, false],
  ] as Array<[string, Array<number | null>, number, boolean]>)('%s', (_name, row, k, hot) => {
    const model = ladderModel(ladder([row as [number, number, number, number, number]], null), {
      hotFactor: k,
      maxStrikes: 10,
    })!;
    expect(model.rows[0]!.hot).toBe(hot);
  });

  test('keeps the strikes nearest the spot', () => {
    const rows = [4150, 4175, 4200, 4225, 4250, 4275].map(
      (k) => [k, 1, 1, 0, 0] as [number, number, number, number, number]
    );
    expect(ladderModel(ladder(rows, 4230), { hotFactor: 3, maxStrikes: 3 })!.rows.map((r) => r.strike)).toEqual([
      4250, 4225, 4200,
    ]);
  });

  test('premium ladders keep their measure; other frames are not a ladder', () => {
    expect(ladderModel(ladder([[4200, 1, 1, 0, 0]], null, 'premium'), { hotFactor: 3, maxStrikes: 3 })!.measure).toBe(
      'premium'
    );
    expect(
      ladderModel([createDataFrame({ fields: [{ name: 'time', type: FieldType.time, values: [1] }] })], {
        hotFactor: 3,
        maxStrikes: 3,
      })
    ).toBeNull();
  });
});

describe('spotPosition', () => {
  const rows = [4210, 4200, 4190].map((strike) => ({ strike }) as LadderRow);
  test.each([
    [4205, 0.5],
    [4200, 1],
    [4192.5, 1.75],
    [4210, 0],
    [4230, -0.5],
    [4180, 2.5],
    [null, null],
  ])('spot %s → row %s', (spot, position) => {
    expect(spotPosition(rows, spot)).toBe(position);
  });
});
