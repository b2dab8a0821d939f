const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

/** Age as kubectl's AGE column prints it: the time from `from` to `now`. */
export function formatAge(from: Date, now: Date): string {
  return humanDuration(now.getTime() - from.getTime());
}

/**
 * The Expires column of `status -o wide`: the time left until `at`, as kubectl prints durations
 * (`7h56m`), or `expired`. (-o json|yaml keep the timestamp itself.)
 */
export function timeLeft(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  return ms > 0 ? humanDuration(ms) : 'expired';
}

/**
 * A duration as kubectl prints one (apimachinery duration.HumanDuration): exact seconds under
 * 2 minutes, minutes+seconds under 10 minutes, then ever coarser units.
 */
export function humanDuration(ms: number): string {
  if (Number.isNaN(ms)) return '<invalid>';
  const seconds = Math.trunc(ms / SECOND);
  // Up to a second in the future is tolerated as clock skew between client and server.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 2 * 60) return `${seconds}s`;

  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) return withRemainder(minutes, 'm', seconds % 60, 's');
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) return withRemainder(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;

  const days = Math.trunc(ms / DAY);
  if (hours < 8 * 24) return withRemainder(days, 'd', hours % 24, 'h');
  if (hours < 2 * 365 * 24) return `${days}d`;

  const years = Math.trunc(ms / YEAR);
  if (hours < 8 * 365 * 24) return withRemainder(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function withRemainder(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}
