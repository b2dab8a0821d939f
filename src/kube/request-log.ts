/**
 * kubectl's -v=6 for what the plugin does on the wire: each API request (method, URL, status,
 * milliseconds) and each watch opening and ending. The CLI installs the sink; unset, nothing is
 * measured or logged. URLs carry no credentials; headers and bodies are never logged.
 */
type Sink = (line: string) => void;

let sink: Sink | undefined;

export function setRequestLogger(log: Sink | undefined): void {
  sink = log;
}

/** Starts timing a request; the returned function logs its outcome (a status, or what failed). */
export function startRequestLog(method: string, url: URL): (outcome: string) => void {
  if (!sink) return () => undefined;
  const started = performance.now();
  const log = sink;
  return (outcome) => log(`${method} ${url.href} ${outcome} in ${Math.round(performance.now() - started)} milliseconds`);
}
