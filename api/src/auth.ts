import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares a request's `Authorization: Bearer …` with the configured token in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match) return false;
  // Digests have one length whatever the input, so the comparison leaks neither content nor length.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
