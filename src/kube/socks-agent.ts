import type http from 'node:http';
// The agent client-node itself builds for a socks proxy-url.
import { SocksProxyAgent } from 'socks-proxy-agent';
import { messageOf } from '../errors.js';
import { connectCode, ProxyUnreachableError } from './proxy-errors.js';

/** socks5:// proxy-url: a proxy that cannot be reached is named as the proxy. */
export class SocksTunnelAgent extends SocksProxyAgent {
  private readonly proxyName: string;

  constructor(proxy: URL, options: http.AgentOptions) {
    super(proxy, options);
    this.proxyName = `${proxy.protocol}//${proxy.host}`;
  }

  override async connect(...args: Parameters<SocksProxyAgent['connect']>): ReturnType<SocksProxyAgent['connect']> {
    try {
      return await super.connect(...args);
    } catch (err) {
      // The socks client's own socket is the one to the proxy: its errors are the proxy's. It
      // keeps only their message ("connect ECONNREFUSED 127.0.0.1:1080"), not their code.
      const code = connectCode(err) ?? /^(?:connect|getaddrinfo|read|write) (E[A-Z]+)\b/.exec(messageOf(err))?.[1];
      throw code ? new ProxyUnreachableError(this.proxyName, code) : err;
    }
  }
}
