import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Ip, Param, Post, Put } from '@nestjs/common';
import { Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../common/auth/actor';
import { ApiEnvelope, ApiErrors } from '../common/openapi';
import { CurrentUser, Public, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { ParseIdPipe } from '../common/id.pipe';
import { AuditUserDto, ChangePasswordDto, CreateUserDto, ResetPasswordDto, UserListQuery } from './dto';
import { UserView } from './dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('v1/user')
export class UserController {
  constructor(private readonly users: UsersService) {}

  @ApiOperation({ summary: 'Register: a new user waits for a system administrator’s approval' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY, HttpStatus.TOO_MANY_REQUESTS)
  @Public()
  @Post()
  @HttpCode(200)
  async register(@Body() dto: CreateUserDto, @Ip() clientAddress: string) {
    await this.users.register(dto, clientAddress);
  }

  @ApiOperation({ summary: 'Change your own password' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.FORBIDDEN, HttpStatus.UNPROCESSABLE_ENTITY)
  @Put()
  async changePassword(@CurrentActor() actor: Actor, @Body() dto: ChangePasswordDto) {
    await this.users.changeOwnPassword(actor, dto.oldPassword, dto.password);
  }
}

@ApiTags('users')
@Roles(Role.BusinessAdmin, Role.SystemAdmin)
@Controller('v1/admin/user')
export class AdminUserController {
  constructor(private readonly users: UsersService) {}

  @ApiOperation({ summary: 'Create a user in your business (or any user, as system administrator)' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Post()
  @HttpCode(200)
  async create(@CurrentUser() principal: Principal, @Body() dto: CreateUserDto) {
    await this.users.createSubUser(principal, dto);
  }

  @ApiOperation({ summary: 'List the users you administer' })
  @ApiEnvelope({ data: [UserView], paged: true })
  @ApiErrors(HttpStatus.UNPROCESSABLE_ENTITY)
  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: UserListQuery) {
    return this.users.list(principal, query);
  }

  @ApiOperation({ summary: 'Delete a user' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Delete(':userId')
  async delete(@CurrentActor() actor: Actor, @Param('userId', ParseIdPipe) userId: number) {
    await this.users.delete(actor, userId);
  }

  @ApiOperation({ summary: 'Reset a user’s password' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Put(':userId/password')
  async resetPassword(
    @CurrentActor() actor: Actor,
    @Param('userId', ParseIdPipe) userId: number,
    @Body() dto: ResetPasswordDto,
  ) {
    await this.users.resetPassword(actor, userId, dto.password);
  }

  @ApiOperation({ summary: 'Audit a user: approve, disapprove or forbid' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
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
