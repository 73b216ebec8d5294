import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SourceIp } from '../common/auth/actor';
import { ApiEnvelope, ApiErrors } from '../common/openapi';
import { CurrentUser, Public } from '../common/auth/decorators';
import { Principal } from '../common/auth/principal';
import { AuthService } from './auth.service';
import { AUTHORIZATION_INFO_EXAMPLE, AuthorizationInfo, LoginDto } from './dto';

@ApiTags('authorization')
@Controller('v1/authorization')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @ApiOperation({ summary: 'Log in: a token for a user name and password' })
  @ApiEnvelope({
    fields: { token: { type: 'string', description: 'valid for an hour' } },
    example: { token: 'eyxxxxxxxxxxxxxx', code: 200, message: 'success' },
  })
  @ApiErrors(
    HttpStatus.UNAUTHORIZED,
    HttpStatus.FORBIDDEN,
    HttpStatus.UNPROCESSABLE_ENTITY,
    HttpStatus.TOO_MANY_REQUESTS,
  )
  @Public()
  @Post()
  @HttpCode(200)
  async login(@Body() dto: LoginDto, @SourceIp() clientAddress: string) {
    return { token: await this.auth.login(dto.user, dto.password, clientAddress) };
  }

  @ApiOperation({ summary: 'Renew the token: a new one, and the old one revoked' })
  @ApiEnvelope({
    fields: { token: { type: 'string' } },
    example: { token: 'eyyxxxxxxxxxxxx2', code: 200, message: 'success' },
  })
  @ApiErrors(HttpStatus.FORBIDDEN)
  @Put()
  async refresh(@CurrentUser() principal: Principal) {
    return { token: await this.auth.refresh(principal) };
  }

  @ApiOperation({ summary: 'Log out: revoke the token' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.FORBIDDEN)
  @Delete()
  async logout(@CurrentUser() principal: Principal) {
    await this.auth.logout(principal);
  }

  @ApiOperation({ summary: 'Who the token belongs to, and the platform’s options' })
  @ApiEnvelope({ data: AuthorizationInfo, example: AUTHORIZATION_INFO_EXAMPLE })
  @ApiErrors(HttpStatus.FORBIDDEN)
  @Get()
  async info(@CurrentUser() principal: Principal) {
    return { data: await this.auth.info(principal) };
  }
}
