import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../common/paging';

const MAX_UNIX_SECONDS = 253_402_300_799; // 9999-12-31T23:59:59Z

export class AuditListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'e.g. user.audit, deploy.audit, auth.login-failed' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) actorId?: number;
  @ApiPropertyOptional({ description: 'Unix seconds, inclusive' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_UNIX_SECONDS)
  since?: number;
  @ApiPropertyOptional({ description: 'Unix seconds, inclusive' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_UNIX_SECONDS)
  until?: number;
}
