import { describe, it, expect } from 'vitest';
import { CliError, ExitCode, UsageError } from '../../src/errors.js';
import { parseDurationSeconds, parseSetImages } from '../../src/commands/flag-values.js';

function thrown(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toBeInstanceOf(CliError);
    expect((error as UsageError).exitCode).toBe(ExitCode.usage);
    expect((error as UsageError).exitCode).toBe(2);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('parseDurationSeconds', () => {
  it.each([
    ['8h', 28_800],
    ['1h30m', 5_400],
    ['90s', 90],
    ['30m', 1_800],
    ['1h0m5s', 3_605],
    ['0', 0],
    ['0s', 0],
    [' 2m ', 120],
    ['-5m', -300], // signed, as Go's ParseDuration: each flag's own check then says it must be positive
    ['+90s', 90],
  ])('parses %j as %i seconds', (text, seconds) => {
    expect(parseDurationSeconds('ttl', text)).toBe(seconds);
  });

  it.each(['8', 'h', '1d', '5m3', '', '--5m', '-', '1.5h', 'h1', '1h 30m', '10ms'])('rejects %j with a usage error', (text) => {
    const error = thrown(() => parseDurationSeconds('ttl', text));
    expect(error.message).toBe(`invalid duration "${text}" for --ttl; use e.g. 8h, 30m, 1h30m or 90s`);
  });
});

describe('parseSetImages', () => {
  it('returns an empty map for no values', () => {
    expect(parseSetImages([])).toEqual({});
  });

  it('parses NAME=IMAGE and *=IMAGE', () => {
    expect(parseSetImages(['app=nginx:1.27', '*=busybox', 'sidecar=registry.example.com:5000/proxy@sha256:abc'])).toEqual({
      app: 'nginx:1.27',
      '*': 'busybox',
      sidecar: 'registry.example.com:5000/proxy@sha256:abc',
    });
  });

  it('splits at the first "=" only', () => {
    expect(parseSetImages(['a=b=c'])).toEqual({ a: 'b=c' });
  });

  it('lets a later value for the same name win', () => {
    expect(parseSetImages(['app=one', 'app=two'])).toEqual({ app: 'two' });
  });

  it.each(['=x', 'x=', 'x', '='])('rejects %j', (value) => {
    const error = thrown(() => parseSetImages(['ok=img', value]));
    expect(error.message).toBe(`invalid --set-image "${value}"; expected NAME=IMAGE or *=IMAGE`);
  });
});
