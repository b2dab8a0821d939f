import { UsageError } from '../errors.js';

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };

/**
 * Parses a Go-style duration as kubectl flags take them ("8h", "1h30m", "90s", "0", and signed like
 * Go's "-5m") into seconds. A negative value parses, so each flag's own check can say what is wrong.
 */
export function parseDurationSeconds(flag: string, value: string): number {
  const signed = value.trim();
  const sign = signed.startsWith('-') ? -1 : 1;
  const text = signed.replace(/^[-+]/, '');
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+)([hms])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new UsageError(`invalid duration "${value}" for --${flag}; use e.g. 8h, 30m, 1h30m or 90s`);
  }
  return sign * parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2]!]!, 0);
}

/** Parses repeated `--set-image NAME=IMAGE` (or `*=IMAGE`) values, as kubectl debug does. */
export function parseSetImages(values: string[]): Record<string, string> {
  const images: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const name = value.slice(0, eq);
    const image = value.slice(eq + 1);
    if (eq <= 0 || !image) throw new UsageError(`invalid --set-image "${value}"; expected NAME=IMAGE or *=IMAGE`);
    images[name] = image;
  }
  return images;
}
