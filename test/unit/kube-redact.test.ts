import { describe, expect, it } from 'vitest';
import { bodyLimitFor } from '../../src/kube/request-log.js';
import { bodyForLog, redactObject, redactText, REDACTED } from '../../src/kube/redact.js';

const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDp4In0.c2lnbmF0dXJlLWJ5dGVz';
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0\n-----END RSA PRIVATE KEY-----\n';

describe('redactObject', () => {
  it('replaces every value of a Secret\'s data and stringData, keeping the keys', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { password: 'aHVudGVyMg==', user: 'YWRtaW4=' }, stringData: { url: 'postgres://u:p@db' } };
    expect(redactObject(secret)).toEqual({ ...secret, data: { password: REDACTED, user: REDACTED }, stringData: { url: REDACTED } });
  });

  it('redacts the Secrets of a SecretList and kubectl apply\'s copy of them in an annotation', () => {
    const list = {
      kind: 'SecretList',
      items: [{ kind: 'Secret', metadata: { name: 'a', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"k":"c2VjcmV0"}}', team: 'x' } }, data: { k: 'c2VjcmV0' } }],
    };
    const out = JSON.stringify(redactObject(list));
    expect(out).not.toContain('c2VjcmV0');
    expect(out).toContain('"team":"x"');
  });

  it('leaves data that is not a Secret\'s alone (a ConfigMap is not secret)', () => {
    const configMap = { kind: 'ConfigMap', data: { 'app.conf': 'debug=true' } };
    expect(redactObject(configMap)).toEqual(configMap);
  });

  it('redacts credential fields anywhere: tokens, passwords, client keys, an ExecCredential\'s status', () => {
    const exec = { kind: 'ExecCredential', status: { token: 'opaque-token-123456', clientKeyData: PEM, clientCertificateData: 'CERT' } };
    expect(redactObject(exec)).toEqual({ kind: 'ExecCredential', status: { token: REDACTED, clientKeyData: REDACTED, clientCertificateData: 'CERT' } });
    const nested = { spec: { auth: { password: 'p4ss', 'client-key-data': 'LS0t', 'id-token': 'x', Authorization: 'Bearer abc' } } };
    expect(JSON.stringify(redactObject(nested))).not.toMatch(/p4ss|LS0t|"x"|abc/);
  });

  it('does not change its input', () => {
    const secret = { kind: 'Secret', data: { k: 'dg==' } };
    redactObject(secret);
    expect(secret.data.k).toBe('dg==');
  });

  it('redacts token- and key-shaped text inside any string (a server message quoting one)', () => {
    const status = { kind: 'Status', message: `admission webhook denied: token ${JWT} is not allowed` };
    expect(redactObject(status)).toEqual({ kind: 'Status', message: `admission webhook denied: token ${REDACTED} is not allowed` });
  });
});

describe('redactText', () => {
  it('hides JWTs, bearer and basic credentials, and PEM private keys (also cut short)', () => {
    expect(redactText(`a ${JWT} b`)).toBe(`a ${REDACTED} b`);
    expect(redactText('Authorization: Bearer s3cr3t-token.value')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText('basic dXNlcjpwYXNz')).toBe(`basic ${REDACTED}`);
    expect(redactText(`key: ${PEM}done`)).toBe(`key: -----BEGIN RSA PRIVATE KEY----- ${REDACTED}\ndone`);
    expect(redactText(PEM.slice(0, 60))).toBe(`-----BEGIN RSA PRIVATE KEY----- ${REDACTED}`);
  });

  it('leaves ordinary text alone', () => {
    expect(redactText('deployment/web scaled to 0 (was 3)')).toBe('deployment/web scaled to 0 (was 3)');
  });
});

describe('bodyForLog', () => {
  it('logs JSON compact and redacted, whether given as text or as an object', () => {
    const secret = { kind: 'Secret', data: { k: 'c2VjcmV0' } };
    expect(bodyForLog(JSON.stringify(secret, null, 2), 1024)).toBe(`{"kind":"Secret","data":{"k":"${REDACTED}"}}`);
    expect(bodyForLog(secret, 1024)).toBe(`{"kind":"Secret","data":{"k":"${REDACTED}"}}`);
  });

  it('cuts a long body as kubectl does, saying how much was left out; text that is not JSON is redacted too', () => {
    const long = JSON.stringify({ items: 'x'.repeat(2000) });
    expect(bodyForLog(long, 1024)).toBe(`${long.slice(0, 1024)} [truncated ${long.length - 1024} chars]`);
    expect(bodyForLog(long, Number.POSITIVE_INFINITY)).toBe(long);
    expect(bodyForLog(`404 page not found ${JWT}`, 1024)).toBe(`404 page not found ${REDACTED}`);
  });

  it('redacts before cutting, so a cut never leaves part of a secret', () => {
    const secret = JSON.stringify({ kind: 'Secret', data: { k: 'A'.repeat(2000) } });
    expect(bodyForLog(secret, 1024)).not.toContain('AAAA');
  });
});

// The credential fields as the formats that carry them spell them: kubeconfig (token, password,
// client-key-data, auth-provider config), client-go's rest config, ExecCredential, TokenReview,
// OAuth/OIDC token responses, an HTTP header echoed in JSON.
const CREDENTIAL_FIELD_SPELLINGS = [
  'token', 'Token', 'bearerToken', 'BearerToken', 'bearertoken',
  'access-token', 'accessToken', 'access_token',
  'id-token', 'idToken', 'id_token',
  'refresh-token', 'refreshToken', 'refresh_token',
  'password', 'Password', 'authorization', 'Authorization',
  'client-key-data', 'clientKeyData', 'clientKey',
  'client-secret', 'clientSecret',
];

describe('a -v=8 / -v=9 body never shows a credential', () => {
  const logged = (body: unknown) => [bodyForLog(body, bodyLimitFor(8)), bodyForLog(JSON.stringify(body), bodyLimitFor(9))];

  it.each(CREDENTIAL_FIELD_SPELLINGS)('a field named %s, at any depth and inside lists', (field) => {
    const body = { kind: 'Config', users: [{ name: 'u', user: { [field]: 'opaque-s3cret-value' } }], [field]: 'opaque-s3cret-value' };
    for (const line of logged(body)) {
      expect(line).not.toContain('opaque-s3cret-value');
      expect(line).toBe(`{"kind":"Config","users":[{"name":"u","user":{"${field}":"REDACTED"}}],"${field}":"REDACTED"}`);
    }
  });

  it('an empty or missing credential shows as such (what a reader debugging authentication looks for)', () => {
    expect(bodyForLog({ token: '', password: null, idToken: undefined }, 1024)).toBe('{"token":"","password":null}');
  });

  it('lists keep their shape, a token-shaped item hidden; numbers, booleans and null are shown as they are', () => {
    const body = { kind: 'JobList', items: [{ spec: { parallelism: 1, suspend: false, activeDeadlineSeconds: null } }, 'eyJhbGciOi.eyJzdWIiOi.c2lnbmF0'], count: 2 };
    expect(bodyForLog(body, 1024)).toBe('{"kind":"JobList","items":[{"spec":{"parallelism":1,"suspend":false,"activeDeadlineSeconds":null}},"REDACTED"],"count":2}');
    expect(bodyForLog([JWT, { token: 'abc12345' }, null, 7], 1024)).toBe(`["${REDACTED}",{"token":"${REDACTED}"},null,7]`);
  });

  it('the Secrets of a SecretList as the API server sends it (its items carry no kind)', () => {
    const list = {
      kind: 'SecretList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '42' },
      items: [{ metadata: { name: 'db', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"stringData":{"pw":"hunter2"}}' } }, data: { pw: 'aHVudGVyMg==' }, type: 'Opaque' }],
    };
    expect(bodyForLog(list, 1024)).toBe(
      '{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":[{"metadata":{"name":"db","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"REDACTED"}},"data":{"pw":"REDACTED"},"type":"Opaque"}]}',
    );
  });

  it('the items of other lists are not taken for Secrets', () => {
    const list = { kind: 'ConfigMapList', items: [{ metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }, data: { 'app.conf': 'debug=true' } }] };
    expect(redactObject(list)).toEqual(list);
  });

  it('a Secret\'s data that is not a map of values is hidden whole; a Secret without data shows that', () => {
    expect(bodyForLog({ kind: 'Secret', data: 'aHVudGVyMg==', stringData: ['hunter2'] }, 1024)).toBe('{"kind":"Secret","data":"REDACTED","stringData":{"0":"REDACTED"}}');
    expect(bodyForLog({ kind: 'Secret', data: null, metadata: { name: 'empty', annotations: null } }, 1024)).toBe('{"kind":"Secret","data":null,"metadata":{"name":"empty","annotations":null}}');
  });

  it('a Secret\'s metadata is shown (name, labels, annotations other than kubectl apply\'s copy)', () => {
    const secret = { kind: 'Secret', metadata: { name: 'db', labels: { app: 'shop' }, annotations: { owner: 'team-a' } } };
    expect(redactObject(secret)).toEqual(secret);
    expect(redactObject({ kind: 'Secret', metadata: 'odd' })).toEqual({ kind: 'Secret', metadata: 'odd' });
    expect(redactObject({ kind: 'Secret', metadata: null })).toEqual({ kind: 'Secret', metadata: null });
  });

  it('an Authorization header quoted in a message, however it is spaced', () => {
    expect(bodyForLog('{"message":"sent Authorization: Bearer   abc.def-ghi"}', 1024)).toBe(`{"message":"sent Authorization: Bearer ${REDACTED}"}`);
  });

  it('a body exactly at the limit is shown whole, without a truncation note', () => {
    const body = JSON.stringify({ items: 'x'.repeat(1024 - 12) });
    expect(body).toHaveLength(1024);
    expect(bodyForLog(body, 1024)).toBe(body);
    expect(bodyForLog(body, 1023)).toBe(`${body.slice(0, 1023)} [truncated 1 chars]`);
  });

  it('a value JSON cannot show (undefined) logs as nothing rather than failing', () => {
    expect(bodyForLog(undefined, 1024)).toBe('');
  });
});
