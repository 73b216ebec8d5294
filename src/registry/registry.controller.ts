import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Ip,
  Param,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../common/auth/actor';
import { CurrentUser, Public, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { RawResponse } from '../common/envelope.interceptor';
import {
  ChangeAccountPasswordDto,
  CreateAccountDto,
  CreateExternalRepositoryDto,
  CreateProjectDto,
  DeleteExternalRepositoriesDto,
  DeleteImagesDto,
  DeleteProjectsDto,
  DeleteTagsDto,
  ExternalRepositoryListQuery,
  ImageListQuery,
  ProjectListQuery,
  TagListQuery,
} from './dto';
import { ExternalRepositoryService } from './external-repository.service';
import { RegistryAccountService } from './registry-account.service';
import { RegistryService } from './registry.service';

/** Members of an approved business change its registry objects; system administrators read them all. */
const MEMBERS = [Role.GeneralUser, Role.BusinessAdmin];
const READERS = [...MEMBERS, Role.SystemAdmin];

/** Docker registry token authentication: the registry sends clients here (its `auth.token.realm`). */
@ApiTags('repository')
@Controller('service/token')
export class RegistryTokenController {
  constructor(private readonly accounts: RegistryAccountService) {}

  @Public()
  @RawResponse()
  @Get()
  @ApiQuery({ name: 'service', required: false })
  @ApiQuery({ name: 'scope', required: false, isArray: true, type: String })
  token(
    @Headers('authorization') authorization: string | undefined,
    @Query('scope') scope: unknown,
    @Ip() clientAddress: string,
  ) {
    const scopes = (Array.isArray(scope) ? scope : [scope]).filter(
      (value): value is string => typeof value === 'string',
    );
    return this.accounts.issueToken(authorization, scopes, clientAddress);
  }
}

@ApiTags('repository')
@ApiSecurity('token')
@Controller('v1/repository')
export class RepositoryController {
  constructor(
    private readonly accounts: RegistryAccountService,
    private readonly registry: RegistryService,
  ) {}

  @Roles(Role.Approved, ...READERS)
  @Post('user')
  @HttpCode(200)
  async createAccount(@CurrentUser() principal: Principal, @Body() dto: CreateAccountDto) {
    await this.accounts.create(principal, dto.user, dto.password);
  }

  @Roles(Role.Approved, ...READERS)
  @Put('user')
  async changeAccountPassword(@CurrentUser() principal: Principal, @Body() dto: ChangeAccountPasswordDto) {
    await this.accounts.changePassword(principal, dto.password);
  }

  @Roles(Role.BusinessAdmin)
  @Post('project')
  @HttpCode(200)
  async createProject(@CurrentActor() actor: Actor, @Body() dto: CreateProjectDto) {
    await this.registry.createProject(actor, dto);
  }

  @Roles(...READERS)
  @Get('project')
  listProjects(@CurrentUser() principal: Principal, @Query() query: ProjectListQuery) {
    return this.registry.listProjects(principal, query);
  }

  @Roles(Role.BusinessAdmin)
  @Delete('project')
  async deleteProjects(@CurrentActor() actor: Actor, @Body() dto: DeleteProjectsDto) {
    await this.registry.deleteProjects(actor, dto.projectId);
  }

  @Roles(...READERS)
  @Get('image')
  listImages(@CurrentUser() principal: Principal, @Query() query: ImageListQuery) {
    return this.registry.listImages(principal, query);
  }

  @Roles(...READERS)
  @Get('image/tag')
  listTags(@CurrentUser() principal: Principal, @Query() query: TagListQuery) {
    return this.registry.listTags(principal, query);
  }

  @Roles(...MEMBERS)
  @Delete('image')
  async deleteImages(@CurrentUser() principal: Principal, @Body() dto: DeleteImagesDto) {
    await this.registry.deleteImages(principal, dto.imageName);
  }

  @Roles(...MEMBERS)
  @Delete('image/tag')
  async deleteTags(@CurrentUser() principal: Principal, @Body() dto: DeleteTagsDto) {
    await this.registry.deleteTags(principal, dto.imageName, dto.tag);
  }
}

/** Registries the platform does not manage: credentials for pull secrets. */
@ApiTags('repository')
@ApiSecurity('token')
@Controller('v1/repository/third')
export class ExternalRepositoryController {
  constructor(private readonly repositories: ExternalRepositoryService) {}

  @Roles(...MEMBERS)
  @Post()
  @HttpCode(200)
  async create(@CurrentUser() principal: Principal, @Body() dto: CreateExternalRepositoryDto) {
    await this.repositories.create(principal, dto);
  }

  @Roles(...READERS)
  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: ExternalRepositoryListQuery) {
    return this.repositories.list(principal, query);
  }

  @Roles(...READERS)
  @Get(':repositoryId')
  async get(@CurrentUser() principal: Principal, @Param('repositoryId') repositoryId: string) {
    return { data: await this.repositories.get(principal, repositoryId) };
  }

  @Roles(...MEMBERS)
  @Delete()
  async remove(@CurrentUser() principal: Principal, @Body() dto: DeleteExternalRepositoriesDto) {
    await this.repositories.remove(principal, dto.repositoryId);
  }
}
