import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { ParseIdPipe } from '../common/id.pipe';
import { AppService } from './app.service';
import { AppListQuery, CreateAppDto, DeleteAppsDto } from './dto';

/** Members of an approved business manage its applications; system administrators read every business's. */
const MEMBERS = [Role.GeneralUser, Role.BusinessAdmin];
const READERS = [...MEMBERS, Role.SystemAdmin];

@ApiTags('applications')
@ApiSecurity('token')
@Controller('v1/app')
export class AppController {
  constructor(private readonly apps: AppService) {}

  @Roles(...MEMBERS)
  @Post()
  @HttpCode(200)
  async create(@CurrentUser() principal: Principal, @Body() dto: CreateAppDto) {
    await this.apps.create(principal, dto);
  }

  /** The list goes under `data` and, for the original console, again under `apps`. */
  @Roles(...READERS)
  @Get()
  async list(@CurrentUser() principal: Principal, @Query() query: AppListQuery) {
    const { data, total } = await this.apps.list(principal, query);
    return { data, apps: data, total };
  }

  @Roles(...READERS)
  @Get('id/:appId')
  async get(@CurrentUser() principal: Principal, @Param('appId', ParseIdPipe) appId: number) {
    return { data: await this.apps.get(principal, appId) };
  }

  @Roles(...MEMBERS)
  @Delete()
  async remove(@CurrentUser() principal: Principal, @Body() dto: DeleteAppsDto) {
    await this.apps.remove(principal, dto.appId);
  }
}
