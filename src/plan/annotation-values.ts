/**
 * Strict readers for the values of our own annotations. Anyone who can edit a workload or a copy
 * Job can write them, so a value is taken only when it is exactly what we write; anything else is
 * reported, naming the annotation, and never guessed at.
 */

/** A record that exists but cannot be read: what is wrong with it, naming each annotation. */
export interface Damaged {
  damaged: string;
  /** The annotations to fix. */
  keys: string[];
}

export const isDamaged = (value: object): value is Damaged => 'damaged' in value;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
// RFC 3339 with a zone, as toISOString writes it (and as a person would fix it by hand).
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const SHOWN_VALUE_MAX = 40;

/** A value as a message quotes it: JSON-quoted, cut short (a value may be 10,000 characters long). */
function quoteValue(value: string): string {
  return value.length <= SHOWN_VALUE_MAX
    ? JSON.stringify(value)
    : `${JSON.stringify(value.slice(0, SHOWN_VALUE_MAX))}... (${value.length} characters)`;
}

/** Reads annotations one key at a time, collecting every problem instead of stopping at the first. */
export class AnnotationReader {
  readonly problems: string[] = [];
  private readonly keys: string[] = [];

  constructor(private readonly annotations: Record<string, string>) {}

  has(key: string): boolean {
    return this.annotations[key] !== undefined;
  }

  /** Free text (a user or host name): anything, as long as it is there. */
  text(key: string): string {
    // Stryker disable next-line StringLiteral: free text is only ever missing (a message without `what`), and a missing value makes the record Damaged, so the fallback is never used
    return this.check(key, () => true, 'any text') ?? '';
  }

  /** The name of a Kubernetes object (DNS subdomain); undefined when optional and absent. */
  objectName(key: string, opts: { optional?: boolean } = {}): string | undefined {
    if (opts.optional && !this.has(key)) return undefined;
    return this.check(key, (v) => v.length <= 253 && DNS_SUBDOMAIN.test(v), 'an object name');
  }

  /** A namespace name or a session id (DNS label). */
  label(key: string): string {
    // Stryker disable next-line StringLiteral: a missing or invalid value makes the record Damaged, so the fallback is never used
    return this.check(key, (v) => v.length <= 63 && DNS_LABEL.test(v), 'a DNS label') ?? '';
  }

  pattern(key: string, pattern: RegExp, what: string): string {
    // Stryker disable next-line StringLiteral: a missing or invalid value makes the record Damaged, so the fallback is never used
    return this.check(key, (v) => pattern.test(v), what) ?? '';
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    return this.check(key, (v) => values.includes(v as T), `one of ${values.join(', ')}`) as T;
  }

  boolean(key: string): boolean {
    return this.oneOf(key, ['true', 'false']) === 'true';
  }

  timestamp(key: string): Date {
    const value = this.check(key, (v) => TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v)), 'an RFC 3339 time');
    return new Date(value ?? 0);
  }

  /** A whole number from 0 to max, written plainly ("3", not "03", "3.0" or "+3"). */
  count(key: string, max: number): number {
    const value = this.check(key, (v) => /^(0|[1-9]\d{0,9})$/.test(v) && Number(v) <= max, `a whole number from 0 to ${max}`);
    return Number(value ?? 0);
  }

  damage(): Damaged | undefined {
    return this.problems.length === 0 ? undefined : { damaged: this.problems.join('; '), keys: this.keys };
  }

  private check(key: string, valid: (value: string) => boolean, what: string): string | undefined {
    const value = this.annotations[key];
    if (value === undefined || !valid(value)) {
      this.problems.push(value === undefined ? `${key} is missing` : `${key}=${quoteValue(value)} is not ${what}`);
      this.keys.push(key);
      return undefined;
    }
    return value;
  }
}
