import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createSecretKey } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottleService } from './login-throttle.service';
import { PrincipalCache } from './principal-cache.service';
import { TokenRevocationService } from './token-revocation.service';
import { UserEntity } from './user.entity';
import { AdminUserController, UserController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([UserEntity]),
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      // A key object, not the string: jsonwebtoken would otherwise try (and fail) to parse the string
      // as a public key on every verification, which costs more than the HMAC itself.
      useFactory: (config: AppConfig) => ({
        secret: createSecretKey(Buffer.from(config.jwtSecret)),
        signOptions: { algorithm: 'HS256' },
      }),
    }),
  ],
  controllers: [AuthController, UserController, AdminUserController],
  providers: [UsersService, AuthService, TokenRevocationService, LoginThrottleService, PrincipalCache],
  exports: [UsersService, AuthService, LoginThrottleService],
})
export class AuthModule {}
