/**
 * Imported first by cli.ts, so that this runs before the argument parser and the commands load:
 * the connections a command will need are opened meanwhile (kube/connect-ahead.ts).
 */
import { connectAhead } from './kube/connect-ahead.js';
import { peekCommandLine } from './target/argv.js';

/** How many requests a command sends at once at its start: each needs a connection (HTTP/1.1). */
const CONNECTIONS: Record<string, number> = { version: 1, status: 1, delete: 1, extend: 1, gc: 1, __complete: 1, completion: 0 };
/** A copy (and `run`) reads the target, asks who the user is and lists the copies together. */
const COPY_CONNECTIONS = 3;

const { command, help, connection } = peekCommandLine(process.argv.slice(2));
if (!help && process.argv.length > 2) connectAhead(connection, command === undefined || command === 'run' ? COPY_CONNECTIONS : (CONNECTIONS[command] ?? 0));
