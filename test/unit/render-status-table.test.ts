import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { renderStatus, type StatusRow } from '../../src/render/status-table.js';

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
