import { assertEndpointAllowed, EndpointNotAllowedError } from '@drehscheibe/delivery';

describe('assertEndpointAllowed', () => {
  it.each([
    'http://127.0.0.1:8080/hook',
    'http://10.1.2.3/x',
    'http://[::1]/x',
    'http://169.254.169.254/latest',
    'http://192.168.0.5/',
    'http://[::ffff:127.0.0.1]/',
  ])('refuses %s', async (url) => {
    await expect(assertEndpointAllowed(url, false)).rejects.toBeInstanceOf(EndpointNotAllowedError);
  });

  it('allows private addresses when configured (demo and tests)', async () => {
    await expect(assertEndpointAllowed('http://127.0.0.1:8080/hook', true)).resolves.toBeUndefined();
  });

  it('allows a public address', async () => {
    await expect(assertEndpointAllowed('https://93.184.215.14/hook', false)).resolves.toBeUndefined();
  });

  it('refuses other schemes and embedded credentials even when private targets are allowed', async () => {
    await expect(assertEndpointAllowed('file:///etc/passwd', true)).rejects.toThrow(/http or https/);
    await expect(assertEndpointAllowed('https://user:pw@example.org/', true)).rejects.toThrow(/credentials/);
  });
});
