// The few PostgreSQL wire-protocol messages the embedded socket reads and writes itself
// (https://www.postgresql.org/docs/current/protocol-message-formats.html).

const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

export type FrontendMessage =
  | { kind: 'startup'; params: Map<string, string> }
  | { kind: 'negotiation' } // SSL, GSS encryption or cancel request
  | { kind: 'typed'; type: string; body: Buffer };

/** What one message from a client is; pglite-socket hands them over one whole message at a time. */
export function readFrontendMessage(message: Uint8Array): FrontendMessage {
  const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  if (buf.length >= 8) {
    const code = buf.readInt32BE(4);
    if (buf.readInt32BE(0) === buf.length && code === PROTOCOL_3) {
      const parts = buf.subarray(8).toString('utf8').split('\0');
      const params = new Map<string, string>();
      for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params.set(parts[i]!, parts[i + 1]!);
      return { kind: 'startup', params };
    }
    if (
      buf.readInt32BE(0) === buf.length &&
      (code === SSL_REQUEST || code === GSSENC_REQUEST || code === CANCEL_REQUEST)
    )
      return { kind: 'negotiation' };
  }
  return { kind: 'typed', type: String.fromCharCode(buf[0] ?? 0), body: buf.subarray(5) };
}

/** The null-terminated strings at the start of a message body (Query: the SQL; Parse: name, SQL; PasswordMessage: the password). */
export function cstrings(body: Buffer, count: number): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, at);
    if (end === -1) break;
    out.push(body.toString('utf8', at, end));
    at = end + 1;
  }
  return out;
}

/** The salt of an AuthenticationMD5Password request at the start of a backend answer, if it is one. */
export function md5Salt(answer: Uint8Array): Buffer | null {
  const buf = Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength);
  if (buf.length >= 13 && buf[0] === 0x52 /* R */ && buf.readInt32BE(1) === 12 && buf.readInt32BE(5) === 5)
    return Buffer.from(buf.subarray(9, 13));
  return null;
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

export type Severity = 'ERROR' | 'FATAL';

/** An ErrorResponse with its severity, SQLSTATE code and message. */
export function errorResponse(severity: Severity, code: string, text: string): Buffer {
  const field = (tag: string, value: string) => Buffer.from(`${tag}${value}\0`, 'utf8');
  return message(
    'E',
    Buffer.concat([field('S', severity), field('V', severity), field('C', code), field('M', text), Buffer.from([0])])
  );
}

/** ReadyForQuery: 'I' idle, 'T' in a transaction block, 'E' in a failed one. */
export function readyForQuery(status: 'I' | 'T' | 'E'): Buffer {
  return message('Z', Buffer.from(status, 'latin1'));
}
