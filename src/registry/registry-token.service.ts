import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig, RegistryConfig } from '../config/app-config';
import { Access } from './registry-access';
import { ensureTokenKeyFiles, loadTokenSigningKey, TokenSigningKey } from './token-key';

/** How long a registry token lasts; a client asks again when it runs out. */
export const REGISTRY_TOKEN_SECONDS = 1800;

/** The token service's answer (Docker registry token authentication). */
export interface IssuedToken {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
}

/**
 * Signs the JWTs that the registry accepts: the signing certificate travels in the `x5c` header, and the
 * registry trusts it because its `rootcertbundle` is that certificate.
 */
@Injectable()
export class RegistryTokenService implements OnModuleInit {
  private key?: TokenSigningKey;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    const registry = this.config.registry;
    if (!registry) return;
    const files =
      registry.tokenKeyFile && registry.tokenCertFile
        ? { keyFile: registry.tokenKeyFile, certFile: registry.tokenCertFile }
        : await ensureTokenKeyFiles(join(this.config.dataDir, 'registry'));
    this.key = await loadTokenSigningKey(files);
  }

  sign(registry: RegistryConfig, subject: string, access: Access[]): IssuedToken {
    if (!this.key) throw new Error('the registry token key is not loaded');
    const now = Math.floor(Date.now() / 1000);
    const token = jwt.sign(
      {
        iss: registry.issuer,
        sub: subject,
        aud: registry.service,
        exp: now + REGISTRY_TOKEN_SECONDS,
        nbf: now - 1,
        iat: now,
        jti: randomUUID(),
        access,
      },
      this.key.privateKey,
      {
        algorithm: this.key.algorithm,
        header: { alg: this.key.algorithm, typ: 'JWT', x5c: [this.key.certificateDer] },
      },
    );
    return {
      token,
      access_token: token,
      expires_in: REGISTRY_TOKEN_SECONDS,
      issued_at: new Date(now * 1000).toISOString(),
    };
  }
}
