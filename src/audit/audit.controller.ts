import { Controller, Get, HttpStatus, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { ApiEnvelope, ApiErrors } from '../common/openapi';
import { AuditTrail } from './audit-trail.service';
import { AuditEntryView, AuditListQuery } from './dto';

/** Read-only on purpose: entries are never updated or deleted through the API. */
@ApiTags('audit')
@Roles(Role.BusinessAdmin, Role.SystemAdmin)
@Controller('v1/admin/audit')
export class AuditController {
  constructor(private readonly trail: AuditTrail) {}

  @ApiOperation({
    summary: 'Read the audit trail, newest first',
    description: 'System administrators see every entry, business administrators those of their business.',
  })
  @ApiEnvelope({ data: [AuditEntryView], paged: true })
  @ApiErrors(HttpStatus.UNPROCESSABLE_ENTITY)
  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: AuditListQuery) {
    return this.trail.list(principal, query);
  }
}
