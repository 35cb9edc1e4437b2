// A JSON chain document's rows as the reading thread sees them (through the column map and the
// normalizer), and the check the format tests' tables share.
import assert from 'node:assert/strict';
import { mapColumns } from '../../src/contracts/column-map.ts';
import { emptyQuote, rowNormalizer } from '../../src/contracts/quote-row.ts';
import type { QuoteInput } from '../../src/contracts/quote-row.ts';
import { CHAIN_COLUMNS, DocumentError } from '../../src/formats/chain-columns.ts';
import { documentColumns } from '../../src/formats/json-document.ts';

/** Each row's quote, or the reason the normalizer rejects it. */
export function quotesOf(text: string): Array<QuoteInput | string> {
  const data = documentColumns(text);
  const mapped = mapColumns([...CHAIN_COLUMNS]);
  assert.ok(mapped.ok);
  const normalize = rowNormalizer(data.columns, {
    map: mapped.map,
    timeZone: 'America/New_York',
    naiveTime: false,
    underlyingFromFile: null,
  });
  return Array.from({ length: data.length }, (_, i) => {
    const quote = emptyQuote();
    const reason = normalize(i, quote);
    return reason ?? { ...quote };
  });
}

/** Per row: the quote's fields that must match, or the rejection reason. */
export type Expected = Partial<QuoteInput> | string;

/** A document's rows match `want`, or (a RegExp) the document fails with a DocumentError matching it. */
export function assertDocumentQuotes(doc: unknown, want: Expected[] | RegExp): void {
  const text = JSON.stringify(doc);
  if (want instanceof RegExp) {
    assert.throws(
      () => quotesOf(text),
      (e: unknown) => e instanceof DocumentError && want.test(e.message)
    );
    return;
  }
  const got = quotesOf(text);
  assert.equal(got.length, want.length, JSON.stringify(got));
  want.forEach((w, i) => {
    const g = got[i]!;
    if (typeof w === 'string') assert.equal(g, w);
    else {
      assert.notEqual(typeof g, 'string', String(g));
      const picked = Object.fromEntries(Object.keys(w).map((k) => [k, (g as unknown as Record<string, unknown>)[k]]));
      assert.deepEqual(picked, w);
    }
  });
}
