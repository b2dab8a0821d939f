/**
 * What -v=8 and up may show of a request or response body. The plugin never asks for a Secret
 * and sends no credential in a body, but a body is written by others (a webhook's message, an
 * object's annotations), so redaction does not rely on that: Secret values, fields named like
 * credentials and anything shaped like a token or a private key are replaced before logging.
 */
export const REDACTED = 'REDACTED';

/** Field names whose values are credentials wherever they appear (kubeconfig, ExecCredential, TokenReview, OIDC). */
const CREDENTIAL_FIELDS = new Set(
  [
    'token',
    'bearertoken',
    'access-token',
    'accesstoken',
    'access_token',
    'id-token',
    'idtoken',
    'id_token',
    'refresh-token',
    'refreshtoken',
    'refresh_token',
    'password',
    'authorization',
    'client-key-data',
    'clientkeydata',
    'clientkey',
    'client-secret',
    'clientsecret',
  ],
);

/** A Secret's values: its data, its stringData, and kubectl apply's copy of both in an annotation. */
const SECRET_VALUE_FIELDS = ['data', 'stringData'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Text that is a credential whatever field it is in, and what replaces it. */
const CREDENTIAL_TEXT: Array<[RegExp, string]> = [
  // PEM private keys, also cut short (the markers say what was there; the body is the secret).
  [/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g, `-----BEGIN $1PRIVATE KEY----- ${REDACTED}`],
  // JWTs: service account tokens, OIDC id tokens.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // An Authorization header's value quoted in a message.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${REDACTED}`],
];

/** A JSON value with Secret values and credential fields replaced by REDACTED. Pure; the input is not changed. */
export function redactObject(value: unknown): unknown {
  return redact(value, false);
}

/** `asSecret`: a Secret whatever its kind says (the API server omits the kind of a SecretList's items). */
function redact(value: unknown, asSecret: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => redact(item, asSecret));
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? redactText(value) : value;
  const object = value as Record<string, unknown>;
  const secret = asSecret || object.kind === 'Secret';
  // Stryker disable next-line ConditionalExpression: `key === 'items'` always true is equivalent: a SecretList's other fields (apiVersion, metadata) hold no data, stringData or metadata
  const holdsSecrets = (key: string) => key === 'items' && object.kind === 'SecretList';
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(object)) {
    // An empty or missing credential shows as such: that it is missing is what a reader debugs.
    if (field === null || field === undefined || field === '') out[key] = field;
    else if (CREDENTIAL_FIELDS.has(key.toLowerCase())) out[key] = REDACTED;
    else if (secret && SECRET_VALUE_FIELDS.includes(key)) out[key] = isMap(field) ? redactValues(field) : REDACTED;
    else out[key] = redact(field, holdsSecrets(key));
  }
  return secret ? withoutLastApplied(out) : out;
}

/** Free text (a non-JSON body, a message) with token- and key-shaped parts replaced. */
export function redactText(text: string): string {
  return CREDENTIAL_TEXT.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/**
 * A body for the log: JSON compact and redacted (text redacted), cut at `limit` characters as
 * kubectl cuts its -v=8 (1024) and -v=9 (10240) bodies, saying how much was left out.
 */
export function bodyForLog(body: unknown, limit: number): string {
  let text: string;
  if (typeof body === 'string') {
    try {
      text = JSON.stringify(redactObject(JSON.parse(body)));
    } catch {
      text = redactText(body);
    }
  } else {
    text = JSON.stringify(redactObject(body)) ?? '';
  }
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)} [truncated ${text.length - limit} chars]`;
}

/** Every value of a map replaced, the keys kept (which keys a Secret has is not secret, as kubectl describe shows). */
function redactValues(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(values).map((k) => [k, REDACTED]));
}

/** A Secret with kubectl apply's copy of the whole Secret, values included, in an annotation replaced. */
function withoutLastApplied(secret: Record<string, unknown>): Record<string, unknown> {
  const metadata = secret.metadata as Record<string, unknown>;
  const annotations = isMap(metadata) ? metadata.annotations : undefined;
  if (!isMap(annotations) || !(LAST_APPLIED in annotations)) return secret;
  return { ...secret, metadata: { ...metadata, annotations: { ...annotations, [LAST_APPLIED]: REDACTED } } };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
