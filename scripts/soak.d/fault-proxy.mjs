// The fault proxy between the clients and the API server. It terminates TLS with the API server's
// own certificate (issued for 127.0.0.1 by the cluster CA, valid from a day before `up`, so a
// client whose clock is behind still accepts it), so it sees each HTTP request and can answer
// 429/503 with Retry-After itself, as an overloaded API server or a load balancer does; a TCP
// proxy could only pass TLS through. Everything else is forwarded as sent (the bearer token
// included) over keep-alive TLS connections to the real server.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';

/**
 * `rates`: per request, the chance of each fault; `jitterMs`: the most added before forwarding.
 * `count(kind)` is told of every fault injected.
 */
export async function startFaultProxy({ server, ca, pki, rates, jitterMs, count, random, userOf = () => undefined, onFault = () => {} }) {
  const upstream = new URL(server);
  const agent = new https.Agent({ keepAlive: true, ca, maxSockets: 256 });
  const sockets = new Set();
  let enabled = true;
  const proxy = https.createServer({ key: readFileSync(join(pki, 'apiserver.key')), cert: readFileSync(join(pki, 'apiserver.crt')) }, (req, res) => {
    const fault = enabled ? pickFault(rates, random()) : undefined;
    // Which client met which fault, on which request: the evidence for a command that failed.
    if (fault) onFault({ at: Date.now(), user: userOf(req.headers.authorization), fault, request: `${req.method} ${req.url}` });
    if (fault === '429' || fault === '503') {
      const code = Number(fault);
      count(`proxy ${code} + Retry-After`);
      req.resume();
      const reason = code === 429 ? 'TooManyRequests' : 'ServiceUnavailable';
      res.writeHead(code, { 'Retry-After': '1', 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code, message: `soak fault proxy: ${reason}` }));
      return;
    }
    if (fault === 'dropRequest') {
      count('proxy drop before forwarding');
      req.socket.destroy();
      return;
    }
    const dropAnswer = fault === 'dropAnswer';
    const delay = enabled ? Math.floor(random() * jitterMs) : 0;
    if (delay > 0) count('proxy jitter (requests delayed)');
    setTimeout(() => forward(req, res, dropAnswer), delay);
  });
  /** One roll decides at most one fault: each kind owns a slice of [0, 1) as wide as its rate. */
  function pickFault(rates, roll) {
    let from = 0;
    for (const [kind, rate] of Object.entries(rates)) {
      if (roll >= from && roll < from + rate) return kind;
      from += rate;
    }
    return undefined;
  }
  function forward(req, res, dropAnswer) {
    const out = https.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, agent },
      (answer) => {
        if (dropAnswer) {
          // The server did the work; the client never learns the answer (a connection cut mid-way).
          count('proxy drop of the answer (request done upstream)');
          answer.resume();
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    // The API server is down (a restart) or cut us off: the client sees its connection go.
    out.on('error', () => req.socket.destroy());
    res.on('close', () => out.destroy());
    req.pipe(out);
  }
  proxy.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  proxy.on('tlsClientError', () => {});
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${proxy.address().port}`,
    /** Whether faults are injected (off for the final clean-up). */
    setEnabled: (on) => (enabled = on),
    /** Cuts every open connection at once (a network blip). */
    dropAll: () => {
      for (const s of sockets) s.destroy();
      return sockets.size;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      agent.destroy();
      return new Promise((resolve) => proxy.close(resolve));
    },
  };
}
