import { describe, expect, it } from 'vitest';
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
