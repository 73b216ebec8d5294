import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { JWT_STRATEGY } from '../common/auth/guards';
import { Principal } from '../common/auth/principal';
import { extractToken } from '../common/auth/token-extractor';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuthService, TokenClaims } from './auth.service';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly auth: AuthService,
  ) {
    super({ jwtFromRequest: extractToken, secretOrKey: config.jwtSecret, algorithms: ['HS256'] });
  }

  validate(claims: TokenClaims): Promise<Principal> {
    return this.auth.principalFor(claims);
  }
}
