import { blockedAddressReason, EndpointNotAllowedError, EndpointPolicy, type Resolver } from '@drehscheibe/security';

const fixed =
  (addresses: string[]): Resolver =>
  () =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

describe('blockedAddressReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.9', 'private'],
    ['192.168.0.5', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    // Ranges the old blocklist missed.
    ['198.18.0.1', 'reserved'],
    ['198.19.255.254', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'ipv4Mapped of loopback'],
    ['::ffff:a9fe:a9fe', 'ipv4Mapped of linkLocal'],
    // NAT64 (RFC 6052) and its local-use prefix, mapping to the cloud metadata address.
    ['64:ff9b::a9fe:a9fe', 'rfc6052 of linkLocal'],
    ['64:ff9b::169.254.169.254', 'rfc6052 of linkLocal'],
    ['64:ff9b:1::a9fe:a9fe', 'rfc6052 of linkLocal'],
    // 6to4 of 10.0.0.1 and of 169.254.169.254.
    ['2002:a00:1::', '6to4 of private'],
    ['2002:a9fe:a9fe::1', '6to4 of linkLocal'],
    // IPv4-compatible (deprecated) ::a.b.c.d.
    ['::a9fe:a9fe', 'not global unicast'],
    ['::ffff:0:a9fe:a9fe', 'rfc6145 of linkLocal'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'discard'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(blockedAddressReason(address)).toBe(reason);
  });

  it('refuses the dotted IPv4-compatible form ::127.0.0.1 (ipaddr.js reads it as IPv4-mapped; refused either way)', () => {
    expect(blockedAddressReason('::127.0.0.1')).toMatch(/loopback|not global unicast/);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2001:4860:4860::8888', '2a00:1450:4001:82b::200e', '64:ff9b::808:808', '2002:808:808::1', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(blockedAddressReason(address)).toBeNull();
    },
  );
});

describe('EndpointPolicy.assertAllowed', () => {
  it.each([
    'http://127.0.0.1:8080/hook',
    'http://10.1.2.3/x',
    'http://[::1]/x',
    'http://169.254.169.254/latest',
    'http://192.168.0.5/',
    'http://[::ffff:127.0.0.1]/',
    'http://[64:ff9b::a9fe:a9fe]/latest/meta-data',
    'http://198.18.0.1/',
  ])('refuses %s', async (url) => {
    await expect(new EndpointPolicy(false).assertAllowed(url)).rejects.toBeInstanceOf(EndpointNotAllowedError);
  });

  it('refuses a name when any of its addresses is internal', async () => {
    const policy = new EndpointPolicy(false, fixed(['93.184.215.14', '10.0.0.7']));
    await expect(policy.assertAllowed('https://receiver.example/hook')).rejects.toThrow(/10\.0\.0\.7: private/);
  });

  it('allows a name whose addresses are all public', async () => {
    const policy = new EndpointPolicy(false, fixed(['93.184.215.14', '2001:4860:4860::8888']));
    await expect(policy.assertAllowed('https://receiver.example/hook')).resolves.toBeUndefined();
  });

  it('allows private addresses when configured (demo and tests)', async () => {
    await expect(new EndpointPolicy(true).assertAllowed('http://127.0.0.1:8080/hook')).resolves.toBeUndefined();
  });

  it('allows a public address', async () => {
    await expect(new EndpointPolicy(false).assertAllowed('https://93.184.215.14/hook')).resolves.toBeUndefined();
  });

  it('refuses other schemes and embedded credentials even when private targets are allowed', async () => {
    await expect(new EndpointPolicy(true).assertAllowed('file:///etc/passwd')).rejects.toThrow(/http or https/);
    await expect(new EndpointPolicy(true).assertAllowed('https://user:pw@example.org/')).rejects.toThrow(/credentials/);
  });
});

describe('EndpointPolicy.lookup', () => {
  const lookup = (policy: EndpointPolicy, options: { all?: boolean; family?: number } = {}) =>
    new Promise<{ error: Error | null; result: unknown }>((resolve) =>
      policy.lookup('receiver.example', options, (error: Error | null, address: unknown, family?: number) =>
        resolve({ error, result: options.all ? address : { address, family } }),
      ),
    );

  it('hands the connection exactly the checked addresses', async () => {
    const policy = new EndpointPolicy(false, fixed(['93.184.215.14', '2001:4860:4860::8888']));
    expect(await lookup(policy)).toEqual({ error: null, result: { address: '93.184.215.14', family: 4 } });
    expect(await lookup(policy, { all: true })).toEqual({
      error: null,
      result: [
        { address: '93.184.215.14', family: 4 },
        { address: '2001:4860:4860::8888', family: 6 },
      ],
    });
    expect(await lookup(policy, { family: 6 })).toEqual({ error: null, result: { address: '2001:4860:4860::8888', family: 6 } });
  });

  it('fails the connection when the name resolves to an internal address', async () => {
    const { error } = await lookup(new EndpointPolicy(false, fixed(['169.254.169.254'])));
    expect(error).toBeInstanceOf(EndpointNotAllowedError);
  });
});
