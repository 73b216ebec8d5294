import { loadConfig } from '../config/app-config';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const config = (key: string) =>
    loadConfig({
      DATABASE_URL: 'postgres://x/y',
      REDIS_URL: 'redis://x',
      JWT_SECRET: 'a-secret-of-sufficient-length',
      ENCRYPTION_KEY: key,
    });
  const box = new SecretBox(config('a'.repeat(64)));

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('token: secret-value');
    expect(sealed).not.toContain('secret-value');
    expect(box.open(sealed)).toBe('token: secret-value');
  });

  it('uses a fresh nonce each time', () => {
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('refuses a tampered value or another key', () => {
    const sealed = box.seal('payload');
    const parts = sealed.split(':');
    parts[3] = Buffer.from('PAYLOAD').toString('base64');
    expect(() => box.open(parts.join(':'))).toThrow();
    expect(() => new SecretBox(config('b'.repeat(64))).open(sealed)).toThrow();
  });
});
