import { Body, Controller, Delete, Get, HttpCode, Ip, Param, Post, Put, Query } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
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
  async changePassword(@CurrentUser() principal: Principal, @Body() dto: ChangePasswordDto) {
    await this.users.changeOwnPassword(principal, dto.oldPassword, dto.password);
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
  async delete(@CurrentUser() principal: Principal, @Param('userId', ParseIdPipe) userId: number) {
    await this.users.delete(principal, userId);
  }

  @Put(':userId/password')
  async resetPassword(
    @CurrentUser() principal: Principal,
    @Param('userId', ParseIdPipe) userId: number,
    @Body() dto: ResetPasswordDto,
  ) {
    await this.users.resetPassword(principal, userId, dto.password);
  }

  @Roles(Role.SystemAdmin)
  @Put(':userId')
  async audit(@Param('userId', ParseIdPipe) userId: number, @Body() dto: AuditUserDto) {
    await this.users.audit(userId, dto);
  }
}
