// Which reader a file needs, from its name and its first bytes: Parquet, or JSON chain documents
// (one document, or one per line: NDJSON). Pure: the caller reads the bytes.

export type InputFormat = 'parquet' | 'json';

/** Names the watcher and a directory argument pick up. */
const LOADABLE = /\.(?:parquet|json|ndjson|jsonl)$/i;
const JSON_NAME = /\.(?:json|ndjson|jsonl)$/i;

export function isLoadableFileName(name: string): boolean {
  return LOADABLE.test(name);
}

/**
 * JSON when the name says so or the content starts with `{` (after whitespace and a byte-order
 * mark); Parquet otherwise, whose reader then says why a file is not Parquet either.
 */
export function detectFormat(name: string, head: Uint8Array): InputFormat {
  if (JSON_NAME.test(name)) return 'json';
  const text = new TextDecoder().decode(head).replace(/^\uFEFF/, '');
  return text.trimStart().startsWith('{') ? 'json' : 'parquet';
}

/**
 * Whether a JSON file holds one document per line (NDJSON, how a collector appends a snapshot at a
 * time; a single compact document is one line) or one document over many lines (pretty-printed):
 * per line when its first line is a whole object, `{…}`.
 */
export function isDocumentPerLine(firstLine: string): boolean {
  const text = firstLine.replace(/^\uFEFF/, '').trim();
  return text.length >= 2 && text.startsWith('{') && text.endsWith('}');
}
