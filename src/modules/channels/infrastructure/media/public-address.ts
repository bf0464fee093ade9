import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

const PRIVATE = new net.BlockList();
for (const [prefix, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 3]] as const) {
  PRIVATE.addSubnet(prefix, bits, 'ipv4');
}
// ::/96 holds the deprecated IPv4-compatible forms (::7f00:1 is 127.0.0.1); 64:ff9b::/96 is NAT64.
for (const [prefix, bits] of [['::', 96], ['64:ff9b::', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(prefix, bits, 'ipv6');

/** True for loopback, private, link-local (cloud metadata), CGNAT and multicast addresses. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  return PRIVATE.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
}

/**
 * A `lookup` for sockets that refuses private addresses, so a URL an agent gives cannot make the
 * service fetch from its own network (the check runs on the address actually connected to, which
 * also defeats DNS rebinding and redirects).
 */
export const publicOnlyLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: false }, (err, address, family) => {
    if (err) return callback(err, '', 0);
    if (isPrivateAddress(address as string)) {
      const refused = Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EPRIVATEADDRESS' });
      return callback(refused, '', 0);
    }
    callback(null, address as string, family);
  });
};

/** Refuses a URL host that is a private IP literal (sockets skip `lookup` for literals, so they are checked here). */
export function assertPublicHost(hostname: string): void {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) && isPrivateAddress(host)) throw Object.assign(new Error(`${host} is a private address`), { code: 'EPRIVATEADDRESS' });
}

/** HTTP agents whose sockets only connect to public addresses (for axios' httpAgent/httpsAgent). */
export function publicOnlyAgents(): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  return { httpAgent: new http.Agent({ lookup: publicOnlyLookup }), httpsAgent: new https.Agent({ lookup: publicOnlyLookup }) };
}
