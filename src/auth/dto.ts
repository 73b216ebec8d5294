import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches } from 'class-validator';
import { MaxLength } from 'class-validator';
import { Role } from '../common/auth/principal';
import { PageQuery } from '../common/paging';
import { IsPassword } from './password';
import { UserStatus } from './user.entity';
import { ApiEnumProperty } from '../common/openapi';

export class LoginDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(64) user: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(128) password: string;
}

export class CreateUserDto {
  @ApiProperty({ description: '1-64 letters, digits or _.@-' })
  @IsString()
  @Matches(/^[A-Za-z0-9_.@-]{1,64}$/, { message: 'user must be 1-64 letters, digits or _.@-' })
  user: string;
  @ApiProperty() @IsString() @IsPassword() password: string;
  @ApiProperty()
  @IsString()
  @Matches(/^\+?[0-9][0-9 -]{3,30}$/, { message: 'phone must be a phone number' })
  phone: string;
  @ApiProperty() @IsBoolean() isAdmin: boolean;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(128) realName: string;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @IsNotEmpty() oldPassword: string;
  @ApiProperty() @IsString() @IsPassword() password: string;
}

export class ResetPasswordDto {
  @ApiProperty() @IsString() @IsPassword() password: string;
}

export class AuditUserDto {
  @ApiProperty({ enum: [0, 1, 2, 3] }) @IsInt() @IsIn([0, 1, 2, 3]) status: UserStatus;
}

export class UserListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['id', 'user_name'] }) @IsOptional() @IsIn(['id', 'user_name']) orderBy?:
    'id' | 'user_name';
}

/** One user as the user list shows it; times in Unix seconds. */
export class UserView {
  @ApiProperty() id: number;
  @ApiProperty({ description: 'user name', example: 'alice' }) user: string;
  @ApiEnumProperty('UserStatus', UserStatus, '0 pending, 1 approved, 2 not approved, 3 forbidden')
  status: UserStatus;
  @ApiProperty() realName: string;
  @ApiProperty() phone: string;
  @ApiProperty({ description: 'administers a business' }) isAdmin: boolean;
  @ApiProperty({ type: Number, nullable: true }) businessId: number | null;
  @ApiProperty() createTime: number;
  @ApiProperty() updateTime: number;
}

/** Seed 002's example answer of `GET /v1/authorization`. */
export const AUTHORIZATION_INFO_EXAMPLE = {
  data: {
    displayName: 'ote_test1',
    hasRepoAccount: true,
    role: 4,
    privateProject: true,
    enableIngress: false,
    enableAlert: true,
    enableAdminAutoDeploy: true,
  },
  code: 200,
  message: 'success',
};

/** `GET /v1/authorization`: who the token belongs to and what the console may offer them. */
export class AuthorizationInfo {
  @ApiProperty({ example: 'alice' }) displayName: string;
  @ApiProperty() hasRepoAccount: boolean;
  @ApiProperty({ enum: Role, enumName: 'Role', description: '0 pending … 4 system administrator (SPEC §2)' })
  role: Role;
  @ApiProperty() privateProject: boolean;
  @ApiProperty() enableIngress: boolean;
  @ApiProperty() enableAlert: boolean;
  @ApiProperty() enableAdminAutoDeploy: boolean;
}
