import { Controller, Get, Query } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { AuditTrail } from './audit-trail.service';
import { AuditListQuery } from './dto';

/** Read-only on purpose: entries are never updated or deleted through the API. */
@ApiTags('audit')
@ApiSecurity('token')
@Roles(Role.BusinessAdmin, Role.SystemAdmin)
@Controller('v1/admin/audit')
export class AuditController {
  constructor(private readonly trail: AuditTrail) {}

  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: AuditListQuery) {
    return this.trail.list(principal, query);
  }
}
