import { randomInt } from 'node:crypto';

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, so no accidental words). */
export const randomSuffixAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

const PREFIX = 'copy-';
const MAX_LABEL_LENGTH = 63;
const SUFFIX = /^[a-z0-9]{5}$/;

/**
 * `copy-<name>-<suffix>` as a DNS-1123 label, whatever the target's name: Job names become pod
 * label values, so they must fit 63 characters even when the target is a 253-character
 * dotted DNS subdomain.
 */
export function copyJobName(targetName: string, suffix: string): string {
  if (!SUFFIX.test(suffix)) throw new Error(`copy name suffix must be 5 characters [a-z0-9], got "${suffix}"`);
  const room = MAX_LABEL_LENGTH - PREFIX.length - 1 - suffix.length;
  const namePart = targetName
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, room)
    .replace(/^-+|-+$/g, '');
  return namePart ? `${PREFIX}${namePart}-${suffix}` : `${PREFIX}${suffix}`;
}

/** A fresh name suffix (the one impure helper here: it draws random characters). */
export function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += randomSuffixAlphabet[randomInt(randomSuffixAlphabet.length)];
  return suffix;
}

/**
 * The PVC of each claim template that the StatefulSet's first pod uses, for the copy to mount: the
 * first ordinal is spec.ordinals.start (0 unless set), so `data-db-3` when the pods start at db-3.
 */
export function firstOrdinalClaims(statefulSet: string, claimTemplates: string[], startOrdinal = 0): Record<string, string> {
  return Object.fromEntries(claimTemplates.map((t) => [t, `${t}-${statefulSet}-${startOrdinal}`]));
}
