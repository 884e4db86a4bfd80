/**
 * Why a delivery was refused. Logged for the operator; the sender only ever hears 401, so it
 * cannot learn which part of its credentials was wrong.
 */
export type AuthFailure =
  | 'missing_credentials'
  | 'malformed_credentials'
  | 'bad_credentials'
  | 'stale_timestamp'
  | 'no_secret_configured'
  | 'topic_not_allowed'
  | 'certificate_url_not_allowed';

export type AuthVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: AuthFailure };

export const accepted: AuthVerdict = { ok: true };
export const refused = (reason: AuthFailure): AuthVerdict => ({ ok: false, reason });

/** Headers as the handler passes them: names in lower case. */
export type Headers = Readonly<Record<string, string | undefined>>;
