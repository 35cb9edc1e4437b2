// One JSON document's text → the columns of its snapshot (chain-columns.ts), whichever collector
// format it is in. Pure; a problem with the whole document is a DocumentError.
import type { RowGroupColumns } from '../parquet/parquet-reader.ts';
import { chainColumns, DocumentError, isRecord } from './chain-columns.ts';
import { cboeDelayedRows, isCboeDelayed } from './cboe-delayed.ts';
import { isPolygonSnapshot, polygonSnapshotRows } from './polygon-snapshot.ts';
import { isSchwabChain, schwabChainRows } from './schwab-chain.ts';
import { isTradierChain, tradierChainRows } from './tradier-chain.ts';

export function documentColumns(text: string): RowGroupColumns {
  if (text.trim() === '') return chainColumns([]); // a blank line: nothing in it
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new DocumentError(`not valid JSON (${jsonErrorAt(text, error)})`);
  }
  if (!isRecord(doc)) throw new DocumentError(`not a JSON object but ${Array.isArray(doc) ? 'an array' : typeof doc}`);
  if (isSchwabChain(doc)) return chainColumns(schwabChainRows(doc));
  if (isCboeDelayed(doc)) return chainColumns(cboeDelayedRows(doc));
  if (isTradierChain(doc)) return chainColumns(tradierChainRows(doc));
  // Last: "results" is the most generic of the formats' marks.
  if (isPolygonSnapshot(doc)) return chainColumns(polygonSnapshotRows(doc));
  const keys = Object.keys(doc).slice(0, 10).join(', ');
  throw new DocumentError(
    `neither a Schwab/TD Ameritrade chain (callExpDateMap, putExpDateMap), CBOE delayed quotes (data.options), a Tradier chain (options.option) nor a Polygon option chain snapshot (results); its fields: ${keys || 'none'}`
  );
}

/** The parser's message, with line and column when it gives a position in a multi-line text. */
function jsonErrorAt(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message);
  if (!position || !text.includes('\n') || /\(line \d+/.test(message)) return message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  return `${message}: line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
}
