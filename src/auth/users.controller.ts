import { Body, Controller, Delete, Get, HttpCode, Ip, Param, Post, Put, Query } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../common/auth/actor';
import { CurrentUser, Public, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { ParseIdPipe } from '../common/id.pipe';
import { AuditUserDto, ChangePasswordDto, CreateUserDto, ResetPasswordDto, UserListQuery } from './dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiSecurity('token')
@Controller('v1/user')
export class UserController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @Post()
  @HttpCode(200)
  async register(@Body() dto: CreateUserDto, @Ip() clientAddress: string) {
    await this.users.register(dto, clientAddress);
  }

  @Put()
  async changePassword(@CurrentActor() actor: Actor, @Body() dto: ChangePasswordDto) {
    await this.users.changeOwnPassword(actor, dto.oldPassword, dto.password);
  }
}

@ApiTags('users')
@ApiSecurity('token')
@Roles(Role.BusinessAdmin, Role.SystemAdmin)
@Controller('v1/admin/user')
export class AdminUserController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @HttpCode(200)
  async create(@CurrentUser() principal: Principal, @Body() dto: CreateUserDto) {
    await this.users.createSubUser(principal, dto);
  }

  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: UserListQuery) {
    return this.users.list(principal, query);
  }

  @Delete(':userId')
  async delete(@CurrentActor() actor: Actor, @Param('userId', ParseIdPipe) userId: number) {
    await this.users.delete(actor, userId);
  }

  @Put(':userId/password')
  async resetPassword(
    @CurrentActor() actor: Actor,
    @Param('userId', ParseIdPipe) userId: number,
    @Body() dto: ResetPasswordDto,
  ) {
    await this.users.resetPassword(actor, userId, dto.password);
  }

  @Roles(Role.SystemAdmin)
  @Put(':userId')
  async audit(
    @CurrentActor() actor: Actor,
    @Param('userId', ParseIdPipe) userId: number,
    @Body() dto: AuditUserDto,
  ) {
    await this.users.audit(actor, userId, dto);
  }
}
