import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTokenKeyFiles, generateSelfSigned, loadTokenSigningKey } from './token-key';

describe('registry token key', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'token-key-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('generates a self-signed P-256 certificate once and keeps it', async () => {
    const files = await ensureTokenKeyFiles(dir);
    const certificate = await readFile(files.certFile, 'utf8');
    const parsed = new X509Certificate(certificate);
    expect(parsed.checkIssued(parsed)).toBe(true);
    expect(parsed.verify(parsed.publicKey)).toBe(true);
    expect(parsed.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    await ensureTokenKeyFiles(dir);
    expect(await readFile(files.certFile, 'utf8')).toBe(certificate);

    const key = await loadTokenSigningKey(files);
    expect(key.algorithm).toBe('ES256');
    expect(key.certificateDer).toBe(parsed.raw.toString('base64'));
  });

  it('refuses a key that does not belong to the certificate', async () => {
    const files = await ensureTokenKeyFiles(dir);
    await writeFile(files.keyFile, (await generateSelfSigned()).keyPem);
    await expect(loadTokenSigningKey(files)).rejects.toThrow(/does not belong/);
  });
});
