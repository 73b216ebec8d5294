import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../common/paging';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, AuditDetail } from './audit-action';
import type { AuditView } from './audit-trail.service';

const MAX_UNIX_SECONDS = 253_402_300_799; // 9999-12-31T23:59:59Z

/** An optional bound of a time range in the query, in Unix seconds. */
const UnixSecondsBound = () =>
  applyDecorators(
    ApiPropertyOptional({ description: 'Unix seconds, inclusive' }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(0),
    Max(MAX_UNIX_SECONDS),
  );

export class AuditListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'e.g. user.audit, deploy.audit, auth.login-failed' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) actorId?: number;
  @UnixSecondsBound() since?: number;
  @UnixSecondsBound() until?: number;
}

/** One audit trail entry: who decided what, from where. */
export class AuditEntryView implements AuditView {
  @ApiProperty() id: number;
  @ApiProperty({ description: 'Unix seconds' }) time: number;
  @ApiProperty({ type: Number, nullable: true, description: 'null when a failed login named no user' })
  actorId: number | null;
  @ApiProperty() actorName: string;
  @ApiProperty({ enum: AUDIT_ACTIONS, enumName: 'AuditAction', description: 'what was done' })
  action: string;
  @ApiProperty({ enum: AUDIT_TARGET_TYPES, enumName: 'AuditTargetType', description: 'what it was done to' })
  targetType: string;
  @ApiProperty() targetId: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: {
      oneOf: [{ type: 'string', nullable: true }, { type: 'number' }, { type: 'boolean' }],
    },
    description: 'what was decided or changed; never a secret',
  })
  detail: AuditDetail;
  @ApiProperty() sourceIp: string;
}
