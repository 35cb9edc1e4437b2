// What a socket client may send to the embedded database. Socket clients share optflow's one
// PostgreSQL session, whose authenticated user is the superuser: the role they run as holds only
// while they cannot change the session authorization (DISCARD ALL and SET/RESET SESSION
// AUTHORIZATION would restore the superuser), and COPY FROM STDIN kills the WebAssembly database.
// The check reads the SQL the way PostgreSQL's lexer splits it: comments and string literals are
// skipped, quoted identifiers compared by their names, so neither can hide a keyword or fake one.

export interface ScreenOptions {
  /** The client runs as a non-superuser role whose session authorization must not change. */
  restricted: boolean;
}

/** The reason to refuse `sql`, or null when it may run. */
export function screenStatement(sql: string, options: ScreenOptions): string | null {
  const words = codeWords(sql);
  if (words === null)
    return 'the statement could not be read (an unterminated quote or comment, or a Unicode-escaped name)';
  const text = ` ${words.join(' ')} `;
  if (/ copy .* from stdin /.test(text)) {
    return "COPY FROM STDIN is refused on the embedded database's socket (it would crash the embedded database): load files with optflow load, or run optflow against a PostgreSQL server";
  }
  if (!options.restricted) return null;
  if (/ session authorization | session_authorization /.test(text)) {
    return "changing the session authorization is not allowed through the embedded database's socket (see --socket-role)";
  }
  if (/ discard /.test(text))
    return "DISCARD is not allowed through the embedded database's socket (it would reset the session authorization)";
  // Our lexer, like PostgreSQL's default, reads backslashes in '…' literally; a client that turned
  // that off could make the two disagree on where a string ends.
  if (/ standard_conforming_strings | backslash_quote /.test(text))
    return "changing how string literals are read is not allowed through the embedded database's socket";
  return null;
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * The words of `sql` outside comments and literals, lowercased; quoted identifiers by their names.
 * Punctuation, numbers, parameters ($1) and operators separate words. null when the text cannot be
 * read with certainty.
 */
export function codeWords(sql: string): string[] | null {
  const words: string[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (c === '/' && next === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        const pair = sql.slice(i, i + 2);
        depth += pair === '/*' ? 1 : pair === '*/' ? -1 : 0;
        i += pair === '/*' || pair === '*/' ? 2 : 1;
      }
      if (depth > 0) return null;
    } else if ((c === 'U' || c === 'u') && next === '&' && (sql[i + 2] === '"' || sql[i + 2] === "'")) {
      return null;
    } else if ((c === 'E' || c === 'e') && next === "'" && !IDENT_CHAR.test(sql[i - 1] ?? ' ')) {
      const end = skipQuoted(sql, i + 1, "'", true);
      if (end === -1) return null;
      i = end;
    } else if (c === "'") {
      const end = skipQuoted(sql, i, "'", false);
      if (end === -1) return null;
      i = end;
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"', false);
      if (end === -1) return null;
      words.push(
        sql
          .slice(i + 1, end - 1)
          .replaceAll('""', '"')
          .toLowerCase()
      );
      i = end;
    } else if (c === '$' && /[A-Za-z_$]/.test(next ?? '') && !IDENT_CHAR.test(sql[i - 1] ?? ' ')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag === null) {
        i++;
        continue;
      }
      const close = sql.indexOf(tag[0], i + tag[0].length);
      if (close === -1) return null;
      i = close + tag[0].length;
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENT_CHAR.test(sql[j]!)) j++;
      words.push(sql.slice(i, j).toLowerCase());
      i = j;
    } else if (/[0-9]/.test(c) || (c === '$' && /[0-9]/.test(next ?? ''))) {
      // Numbers and parameters, with any identifier characters stuck to them (1e5, $1).
      let j = i + 1;
      while (j < n && IDENT_CHAR.test(sql[j]!)) j++;
      i = j;
    } else {
      i++;
    }
  }
  return words;
}

/** The index after the closing quote of the literal or identifier opening at `start`; -1 if unterminated. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return -1;
}
