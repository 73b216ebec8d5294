// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, KeyObject, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The key that signs registry tokens, with the certificate the registry trusts (`rootcertbundle`). */
export interface TokenSigningKey {
  privateKey: KeyObject;
  /** The certificate as base64 DER: the token header's `x5c`, by which the registry finds our key. */
  certificateDer: string;
  algorithm: 'ES256' | 'RS256';
}

export interface TokenKeyFiles {
  keyFile: string;
  certFile: string;
}

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const CERTIFICATE_YEARS = 10;

/**
 * The key and certificate files under `dir`, created on first use: an ECDSA P-256 key and a self-signed
 * certificate for it. The registry is configured with the certificate, so the files are kept across restarts.
 */
export async function ensureTokenKeyFiles(dir: string): Promise<TokenKeyFiles> {
  const files = { keyFile: join(dir, 'registry-token.key'), certFile: join(dir, 'registry-token.crt') };
  const existing = await Promise.all([readFile(files.keyFile), readFile(files.certFile)]).catch(() => null);
  if (existing) return files;
  await mkdir(dir, { recursive: true });
  const { keyPem, certificatePem } = await generateSelfSigned();
  await writeFile(files.keyFile, keyPem, { mode: 0o600 });
  await writeFile(files.certFile, certificatePem);
  return files;
}

export async function generateSelfSigned(): Promise<{ keyPem: string; certificatePem: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + CERTIFICATE_YEARS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    // A leading 01 keeps the serial positive, as X.509 requires.
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    name: 'CN=ote-stack registry token signer',
    notBefore,
    notAfter,
    signingAlgorithm: KEY_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
    certificatePem: certificate.toString('pem'),
  };
}

/** Reads the PEM files; the key must belong to the certificate, or the registry would refuse every token. */
export async function loadTokenSigningKey(files: TokenKeyFiles): Promise<TokenSigningKey> {
  const [keyPem, certificatePem] = await Promise.all([
    readFile(files.keyFile, 'utf8'),
    readFile(files.certFile, 'utf8'),
  ]);
  const privateKey = createPrivateKey(keyPem);
  const certificate = new X509Certificate(certificatePem);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new Error('the registry token key does not belong to its certificate');
  }
  const type = privateKey.asymmetricKeyType;
  if (type !== 'ec' && type !== 'rsa') throw new Error('the registry token key must be an EC or RSA key');
  if (type === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('an EC registry token key must be on the P-256 curve');
  }
  return {
    privateKey,
    certificateDer: certificate.raw.toString('base64'),
    algorithm: type === 'ec' ? 'ES256' : 'RS256',
  };
}
