import { parquetHeader } from 'hyparquet/src/column.js';
import { errorMessage } from '@optflow/contract';
import type { AsyncBuffer, FileMetaData, PageHeader } from 'hyparquet';

/**
 * Page headers checked before hyparquet decodes a column chunk. hyparquet 1.31.5 trusts the
 * required fields of a page header: a DATA_PAGE_V2 header missing `repetition_levels_byte_length`
 * (one flipped bit in its field header is enough) sets its reader's offset to undefined, every
 * later read happens at offset NaN, i.e. byte 0, and a varint there with its high bit set is read
 * forever (`readVarInt` in thrift.js). A corrupt header is rejected here with its reason instead.
 */

const nonNegativeInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Why a page header cannot be decoded safely with `remaining` bytes of its chunk after it; null when it can. */
export function pageHeaderProblem(h: PageHeader, remaining: number): string | null {
  if (!nonNegativeInt(h.compressed_page_size) || !nonNegativeInt(h.uncompressed_page_size))
    return 'page sizes missing or negative';
  if (h.compressed_page_size > remaining)
    return `page of ${h.compressed_page_size} bytes runs past its column chunk (${remaining} bytes left)`;
  switch (h.type) {
    case 'DATA_PAGE': {
      const d = h.data_page_header;
      if (!d || !nonNegativeInt(d.num_values) || d.encoding === undefined)
        return 'data page header incomplete (value count or encoding missing)';
      return null;
    }
    case 'DATA_PAGE_V2': {
      const d = h.data_page_header_v2;
      if (
        !d ||
        !nonNegativeInt(d.num_values) ||
        !nonNegativeInt(d.num_nulls) ||
        !nonNegativeInt(d.num_rows) ||
        d.encoding === undefined
      ) {
        return 'data page v2 header incomplete (value, null or row count or encoding missing)';
      }
      if (!nonNegativeInt(d.definition_levels_byte_length) || !nonNegativeInt(d.repetition_levels_byte_length))
        return 'data page v2 header without level lengths';
      if (d.num_nulls > d.num_values)
        return `data page v2 header has more nulls (${d.num_nulls}) than values (${d.num_values})`;
      if (d.definition_levels_byte_length + d.repetition_levels_byte_length > h.compressed_page_size)
        return 'data page v2 levels longer than the page';
      return null;
    }
    case 'DICTIONARY_PAGE':
      return h.dictionary_page_header && nonNegativeInt(h.dictionary_page_header.num_values)
        ? null
        : 'dictionary page header without a value count';
    default:
      return `unsupported page type ${String(h.type)}`;
  }
}

/** Walks a column chunk's page headers as hyparquet's readColumn will; throws the first problem. */
export function checkPageHeaders(chunk: DataView, column: string): void {
  const reader = { view: chunk, offset: 0 };
  // hyparquet stops at the last byte too (readColumn: offset < byteLength - 1).
  while (reader.offset < chunk.byteLength - 1) {
    const at = reader.offset;
    let header: PageHeader;
    try {
      header = parquetHeader(reader);
    } catch (error) {
      throw new Error(
        `column ${column}: page header at byte ${at} of its chunk is unreadable (${errorMessage(error)})`,
        { cause: error }
      );
    }
    const problem = pageHeaderProblem(header, chunk.byteLength - reader.offset);
    if (problem !== null)
      throw new Error(`column ${column}: corrupt page header at byte ${at} of its chunk: ${problem}`);
    reader.offset += header.compressed_page_size;
  }
}

/**
 * `file` for reading the `columns` of row group `group`: every column chunk that a slice covers is
 * checked (checkPageHeaders) before hyparquet sees it. Costs no extra read: the bytes are the ones
 * hyparquet asked for.
 */
export function withCheckedPages(
  file: AsyncBuffer,
  metadata: FileMetaData,
  group: number,
  columns: readonly string[]
): AsyncBuffer {
  const chunks = (metadata.row_groups[group]?.columns ?? []).flatMap((c) => {
    const meta = c.meta_data;
    if (!meta || !columns.includes(meta.path_in_schema[0]!)) return [];
    // The chunk's range as hyparquet computes it (plan.js, parquetPlanGroup).
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
    return [
      { column: meta.path_in_schema.join('.'), start, end: start + Number(meta.total_compressed_size), checked: false },
    ];
  });
  const check = (buffer: ArrayBuffer, start: number, end: number): ArrayBuffer => {
    for (const c of chunks) {
      // A chunk not wholly in this slice (or past a truncated file's end) is left to hyparquet's own errors.
      if (c.checked || c.start < start || c.end > end || c.end - start > buffer.byteLength) continue;
      checkPageHeaders(new DataView(buffer, c.start - start, c.end - c.start), c.column);
      c.checked = true;
    }
    return buffer;
  };
  return {
    byteLength: file.byteLength,
    slice(start, end = file.byteLength) {
      const buffer = file.slice(start, end);
      return buffer instanceof ArrayBuffer ? check(buffer, start, end) : buffer.then((b) => check(b, start, end));
    },
  };
}
