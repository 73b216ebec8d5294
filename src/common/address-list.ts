import { BlockList, isIP } from 'node:net';

/** One entry of an address list: an IPv4 or IPv6 address, or a CIDR block such as `10.0.0.0/8`. */
export function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Matches client addresses against entries that passed `isAddressOrCidr`. */
export class AddressList {
  private readonly list = new BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, prefix] = entry.split('/');
      const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(prefix), type);
    }
  }

  /** An IPv4 client on a dual-stack socket (`::ffff:a.b.c.d`) matches IPv4 entries too. */
  includes(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    if (this.list.check(address, family === 4 ? 'ipv4' : 'ipv6')) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    return mapped !== null && this.list.check(mapped[1], 'ipv4');
  }
}
