import { matchesAny } from './constant-time';
import { type AuthVerdict, accepted, type Headers, refused } from './verdict';

/** `Authorization: Bearer <token>`, against every accepted token. */
export function verifyBearer(headers: Headers, tokens: readonly string[]): AuthVerdict {
  const authorization = headers.authorization;
  if (!authorization) return refused('missing_credentials');
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (!token) return refused('malformed_credentials');
  return matchesAny(token, tokens) ? accepted : refused('bad_credentials');
}

/** `Authorization: Basic base64(user:password)`, against every accepted `user:password`. */
export function verifyBasic(headers: Headers, pairs: readonly string[]): AuthVerdict {
  const authorization = headers.authorization;
  if (!authorization) return refused('missing_credentials');
  const encoded = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(authorization)?.[1];
  if (!encoded) return refused('malformed_credentials');
  const presented = Buffer.from(encoded, 'base64').toString('utf8');
  if (!presented.includes(':')) return refused('malformed_credentials');
  return matchesAny(
    presented,
    pairs.filter((p) => p.includes(':')),
  )
    ? accepted
    : refused('bad_credentials');
}
