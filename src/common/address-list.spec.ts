import { AddressList, isAddressOrCidr } from './address-list';

describe('isAddressOrCidr', () => {
  it.each(['127.0.0.1', '::1', '10.0.0.0/8', '192.168.1.0/24', 'fd00::/8', '0.0.0.0/0', '::/0'])(
    'accepts %s',
    (entry) => expect(isAddressOrCidr(entry)).toBe(true),
  );
  it.each(['', 'localhost', '10.0.0.0/33', '::1/129', '10.0.0.1/8/8', '10.0.0/8', '1.2.3.4/', '1.2.3.4/x'])(
    'refuses %j',
    (entry) => expect(isAddressOrCidr(entry)).toBe(false),
  );
});

describe('AddressList', () => {
  const list = new AddressList(['127.0.0.1', '::1', '10.0.0.0/8']);

  it('matches single addresses and blocks of both families', () => {
    expect(list.includes('127.0.0.1')).toBe(true);
    expect(list.includes('::1')).toBe(true);
    expect(list.includes('10.20.30.40')).toBe(true);
    expect(list.includes('11.0.0.1')).toBe(false);
    expect(list.includes('127.0.0.2')).toBe(false);
    expect(list.includes('::2')).toBe(false);
  });

  it('matches an IPv4 client seen through a dual-stack socket', () => {
    expect(list.includes('::ffff:127.0.0.1')).toBe(true);
    expect(list.includes('::ffff:10.1.1.1')).toBe(true);
    expect(list.includes('::ffff:192.168.0.1')).toBe(false);
  });

  it('matches nothing that is not an address', () => {
    expect(list.includes('')).toBe(false);
    expect(list.includes('unknown')).toBe(false);
    expect(new AddressList([]).includes('127.0.0.1')).toBe(false);
  });
});
