import { Body, Controller, Delete, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { SourceIp } from '../common/auth/actor';
import { CurrentUser, Public } from '../common/auth/decorators';
import { Principal } from '../common/auth/principal';
import { AuthService } from './auth.service';
import { LoginDto } from './dto';

@ApiTags('authorization')
@ApiSecurity('token')
@Controller('v1/authorization')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post()
  @HttpCode(200)
  async login(@Body() dto: LoginDto, @SourceIp() clientAddress: string) {
    return { token: await this.auth.login(dto.user, dto.password, clientAddress) };
  }

  @Put()
  async refresh(@CurrentUser() principal: Principal) {
    return { token: await this.auth.refresh(principal) };
  }

  @Delete()
  async logout(@CurrentUser() principal: Principal) {
    await this.auth.logout(principal);
  }

  @Get()
  async info(@CurrentUser() principal: Principal) {
    return { data: await this.auth.info(principal) };
  }
}
