import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { timeLeft } from '../../src/render/duration.js';
import { formatAge, renderStatus, type StatusRow } from '../../src/render/status-table.js';

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}

const pyServ: StatusRow = {
  target: 'deployment/py-serv-deployment',
  namespace: 'default',
  copyPodName: 'copy-py-serv-deployment-x1',
  scaleDown: true,
  phase: 'Running',
  age: '5m10s',
  owner: 'alice@host1',
  expires: '55m',
};

describe('renderStatus', () => {
  it('prints a notice when nothing is active', () => {
    expect(renderStatus([], { wide: false })).toBe('No active copy targets\n');
    expect(renderStatus([], { wide: true })).toBe(fixture('status-none.txt'));
  });

  it('prints one row', () => {
    expect(renderStatus([pyServ], { wide: false })).toBe(fixture('status-one.txt'));
  });

  it('prints several rows from several namespaces with no lines between them', () => {
    const rows: StatusRow[] = [
      pyServ,
      { ...pyServ, target: 'statefulset/db', namespace: 'data', copyPodName: 'copy-db-7k2p9', scaleDown: false },
      {
        ...pyServ,
        target: 'pod/debug-me',
        namespace: 'kube-system',
        copyPodName: 'copy-debug-me-abcde',
        scaleDown: false,
        stale: true,
      },
    ];
    expect(renderStatus(rows, { wide: false })).toBe(fixture('status-several.txt'));
  });

  it('adds Phase, Age, Owner and Expires when wide', () => {
    const rows: StatusRow[] = [
      pyServ,
      {
        target: 'rollout/canary',
        namespace: 'shop',
        copyPodName: 'copy-canary-q8w2e',
        scaleDown: false,
        phase: 'Pending',
        age: '3h',
        owner: 'bob@ci',
        expires: 'never',
        stale: true,
      },
    ];
    expect(renderStatus(rows, { wide: true })).toBe(fixture('status-wide.txt'));
  });

  it('does not mark a row whose stale flag is false', () => {
    expect(renderStatus([{ ...pyServ, stale: false }], { wide: false })).toBe(fixture('status-one.txt'));
  });

  it('never wraps or truncates a long cell', () => {
    const name = `very-long-${'x'.repeat(200)}`;
    const output = renderStatus([{ ...pyServ, target: `deployment/${name}` }], { wide: false });
    const lines = output.split('\n');
    expect(lines).toHaveLength(7); // title, 3 borders, header, row, trailing ''
    expect(lines[4]).toContain(`| deployment/${name} |`);
    expect(new Set(lines.slice(1, 6).map((line) => line.length)).size).toBe(1);
  });

  it('marks a damaged copy, and that before stale', () => {
    const output = renderStatus([{ ...pyServ, damaged: true, stale: true }], { wide: false });
    expect(output).toContain('| copy-py-serv-deployment-x1 (damaged) |');
    expect(output).not.toContain('(stale)');
  });

  it('keeps a cell with control characters on one line', () => {
    const output = renderStatus([{ ...pyServ, owner: 'evil\nowner\x1b[31m' }], { wide: true });
    expect(output.split('\n')).toHaveLength(7);
    expect(output).toContain('| evil\\nowner\\x1b[31m |');
    expect(output).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  });
});

describe('formatAge', () => {
  const now = new Date('2024-06-01T12:00:00Z');
  const ago = (ms: number): string => formatAge(new Date(now.getTime() - ms), now);
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const y = 365 * d;

  it.each([
    [-5 * s, '<invalid>'],
    [-2 * s, '<invalid>'],
    [-1.5 * s, '0s'],
    [-1 * s, '0s'],
    [0, '0s'],
    [999, '0s'],
    [45 * s, '45s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [5 * m + 10 * s, '5m10s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 25 * m, '3h25m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 30 * m, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [2 * d + 5 * h, '2d5h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d + 5 * h, '8d'],
    [729 * d, '729d'],
    [2 * y, '2y'],
    [2 * y + 40 * d, '2y40d'],
    [8 * y + 40 * d, '8y'],
  ])('prints %d ms as %s', (ms, expected) => {
    expect(ago(ms)).toBe(expected);
  });

  it('rejects an invalid date', () => {
    expect(formatAge(new Date('not a date'), now)).toBe('<invalid>');
  });
});

describe('timeLeft (the Expires column of status -o wide)', () => {
  const now = new Date('2024-06-01T12:00:00Z');
  const inMs = (ms: number): string => timeLeft(new Date(now.getTime() + ms), now);

  it.each([
    [8 * 3600_000, '8h'],
    [8 * 3600_000 - 1000, '7h59m'],
    [7 * 3600_000 + 56 * 60_000 + 30_000, '7h56m'],
    [3 * 60_000 + 29_000, '3m29s'],
    [45_000, '45s'],
    [1, '0s'],
    [0, 'expired'],
    [-3600_000, 'expired'],
  ])('%i ms left is %s', (ms, shown) => {
    expect(inMs(ms)).toBe(shown);
  });
});
