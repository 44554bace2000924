// proxy-addr ships no types; the two functions the gateway uses (see gateway/src/client-address.ts).
declare module 'proxy-addr' {
  import type { IncomingMessage } from 'node:http';

  type Trust = (addr: string, hop: number) => boolean;
  function proxyaddr(req: IncomingMessage, trust: Trust): string;
  namespace proxyaddr {
    function compile(values: string[]): Trust;
  }
  export default proxyaddr;
}
