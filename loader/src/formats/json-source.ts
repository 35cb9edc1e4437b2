// JSON chain files as the loader reads them: each document (the whole file, or one line of an NDJSON
// file) is a row group, one snapshot committed on its own. The main thread only finds where the
// documents are (a scan for newlines); the reading thread parses and converts one at a time.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { errorMessage } from '@optflow/contract';
import { LoadError } from '../load-error.ts';
import type { RowGroupColumns } from '../parquet/parquet-reader.ts';
import { CHAIN_COLUMNS, DocumentError } from './chain-columns.ts';
import { isDocumentPerLine } from './detect-format.ts';
import { documentColumns } from './json-document.ts';
import { describeRowGroup, documentRowStart } from './row-group.ts';
import type { RowGroupInfo } from './row-group.ts';

export interface JsonSource {
  kind: 'json';
  path: string;
  columns: string[];
  /** Unknown until every document is parsed. */
  numRows: null;
  rowGroups: RowGroupInfo[];
  naiveTimestampColumns: Set<string>;
  /** Bytes indexed. */
  size: number;
}

const NEWLINE = 0x0a;

export async function openJsonSource(path: string): Promise<JsonSource> {
  const lines: Array<{ line: number; byteStart: number; byteEnd: number }> = [];
  let firstLine: Buffer[] | null = [];
  let offset = 0;
  let lineStart = 0;
  let line = 1;
  const addLine = (end: number, text?: Buffer) => {
    // Blank: empty, or a few spaces (a longer whitespace line is read and found empty).
    const blank =
      end === lineStart ||
      (text?.length === end - lineStart && text.length <= 64 && text.toString('latin1').trim() === '');
    if (!blank) lines.push({ line, byteStart: lineStart, byteEnd: end });
  };
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      let at = chunk.indexOf(NEWLINE);
      let from = 0;
      while (at !== -1) {
        if (firstLine) {
          // The first line with something on it decides how the file is laid out.
          firstLine.push(chunk.subarray(from, at));
          const text = Buffer.concat(firstLine).toString('utf8');
          firstLine = text.trim() === '' ? [] : null;
          if (!firstLine && !isDocumentPerLine(text)) {
            // One document over many lines: the whole file.
            lines.length = 0;
            lineStart = -1;
          }
        }
        if (lineStart >= 0) {
          addLine(offset + at, chunk.subarray(from, at));
          lineStart = offset + at + 1;
        }
        line++;
        from = at + 1;
        at = chunk.indexOf(NEWLINE, from);
      }
      firstLine?.push(chunk.subarray(from));
      offset += chunk.length;
    }
  } catch (error) {
    throw new LoadError(path, null, `cannot be read (${errorMessage(error)})`, { cause: error });
  }
  if (offset === 0) throw new LoadError(path, null, 'empty file: no JSON document in it');
  const lastText = firstLine ? Buffer.concat(firstLine).toString('utf8') : '';
  if (lineStart === -1 || (firstLine && lastText.trim() !== '' && !isDocumentPerLine(lastText))) {
    lines.splice(0, lines.length, { line: 1, byteStart: 0, byteEnd: offset });
  } else if (lineStart < offset) {
    lines.push({ line, byteStart: lineStart, byteEnd: offset }); // the last line, without a newline
  }
  return {
    kind: 'json',
    path,
    columns: [...CHAIN_COLUMNS],
    numRows: null,
    rowGroups: lines.map((document, index) => {
      const rowStart = documentRowStart(document.line);
      return { index, rowStart, rowEnd: rowStart, document };
    }),
    naiveTimestampColumns: new Set(),
    size: offset,
  };
}

/** Reads and converts one document; a bad one fails with its line and the reason. */
export async function readJsonRowGroup(path: string, group: RowGroupInfo): Promise<RowGroupColumns> {
  const range = group.document;
  if (!range) throw new LoadError(path, group.index, `${describeRowGroup(group)} is not a JSON document`);
  let text: string;
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    // One byte either side: a document must still sit between line ends, or the file was rewritten.
    const from = Math.max(0, range.byteStart - 1);
    const bytes = Buffer.alloc(Math.min(size, range.byteEnd + 1) - from);
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, from);
    const before = range.byteStart === 0 ? NEWLINE : bytes[0];
    const after = range.byteEnd >= size ? NEWLINE : bytes[bytesRead - 1];
    if (bytesRead < bytes.length || before !== NEWLINE || after !== NEWLINE) {
      throw new LoadError(
        path,
        group.index,
        `the file changed while it was being loaded (${describeRowGroup(group)} is no longer a whole line)`
      );
    }
    text = bytes.toString('utf8', range.byteStart - from, range.byteEnd - from);
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw new LoadError(path, group.index, `${describeRowGroup(group)} cannot be read (${errorMessage(error)})`, {
      cause: error,
    });
  } finally {
    await handle?.close();
  }
  try {
    return documentColumns(text);
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    throw new LoadError(path, group.index, `${describeRowGroup(group)}: ${error.message}`, { cause: error });
  }
}

/**
 * Whether a JSON file ends as a writer leaves it when done: a closing brace and a newline (a
 * collector appends a line at a time). Without the newline the watcher waits for the file to hold still.
 */
export async function hasJsonEnds(path: string): Promise<boolean> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    if (size < 3) return false;
    const tail = Buffer.alloc(Math.min(size, 3));
    await handle.read(tail, 0, tail.length, size - tail.length);
    return /\}\r?\n$/.test(tail.toString('latin1'));
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}
