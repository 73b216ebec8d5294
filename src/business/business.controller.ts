import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../common/auth/actor';
import { ApiEnvelope, ApiErrors } from '../common/openapi';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { ParseIdPipe } from '../common/id.pipe';
import { BusinessService } from './business.service';
import {
  AuditBusinessDto,
  BUSINESS_EXAMPLE,
  BusinessListQuery,
  BusinessView,
  CreateBusinessDto,
} from './dto';

@ApiTags('business')
@Controller('v1/business')
export class BusinessController {
  constructor(private readonly businesses: BusinessService) {}

  @ApiOperation({ summary: 'Apply for a business; a system administrator audits it' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.FORBIDDEN, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Post()
  @HttpCode(200)
  async create(@CurrentUser() principal: Principal, @Body() dto: CreateBusinessDto) {
    await this.businesses.create(principal, dto);
  }

  @ApiOperation({ summary: 'List businesses: your own, or every one for a system administrator' })
  @ApiEnvelope({ data: [BusinessView], paged: true })
  @ApiErrors(HttpStatus.UNPROCESSABLE_ENTITY)
  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: BusinessListQuery) {
    return this.businesses.list(principal, query);
  }

  @ApiOperation({ summary: 'Get one business' })
  @ApiEnvelope({ data: BusinessView, example: BUSINESS_EXAMPLE })
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Get('id/:id')
  async get(@CurrentUser() principal: Principal, @Param('id', ParseIdPipe) id: number) {
    return { data: await this.businesses.get(principal, id) };
  }

  @ApiOperation({ summary: 'Audit a business: approve or disapprove with a comment' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(Role.SystemAdmin)
  @Put('id/:id')
  async audit(
    @CurrentActor() actor: Actor,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: AuditBusinessDto,
  ) {
    await this.businesses.audit(actor, id, dto);
  }
}
