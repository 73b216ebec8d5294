import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../common/auth/actor';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { ParseIdPipe } from '../common/id.pipe';
import { BusinessService } from './business.service';
import { AuditBusinessDto, BusinessListQuery, CreateBusinessDto } from './dto';

@ApiTags('business')
@ApiSecurity('token')
@Controller('v1/business')
export class BusinessController {
  constructor(private readonly businesses: BusinessService) {}

  @Post()
  @HttpCode(200)
  async create(@CurrentUser() principal: Principal, @Body() dto: CreateBusinessDto) {
    await this.businesses.create(principal, dto);
  }

  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: BusinessListQuery) {
    return this.businesses.list(principal, query);
  }

  @Get('id/:id')
  async get(@CurrentUser() principal: Principal, @Param('id', ParseIdPipe) id: number) {
    return { data: await this.businesses.get(principal, id) };
  }

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
