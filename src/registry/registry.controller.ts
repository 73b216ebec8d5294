import { Body, Controller, Delete, Get, Headers, HttpCode, HttpStatus, Ip, Param } from '@nestjs/common';
import { Post, Put, Query, UseGuards } from '@nestjs/common';
import { RegistryConfiguredGuard } from './registry-configured.guard';
import { ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../common/auth/actor';
import { CurrentUser, Public, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { RawResponse } from '../common/envelope';
import { ApiBareOk, ApiEnvelope, ApiErrors, REGISTRY_BASIC_SCHEME } from '../common/openapi';
import { ChangeAccountPasswordDto, CreateAccountDto, CreateExternalRepositoryDto } from './dto';
import { CreateProjectDto, DeleteExternalRepositoriesDto, DeleteImagesDto, DeleteProjectsDto } from './dto';
import { DeleteTagsDto, ExternalRepositoryItem, ExternalRepositoryListQuery, ImageListQuery } from './dto';
import { ProjectListQuery, RegistryImageView, RegistryProjectView, RegistryTagView } from './dto';
import { RegistryToken, TagListQuery } from './dto';
import { ExternalRepositoryService } from './external-repository.service';
import { RegistryAccountService } from './registry-account.service';
import { RegistryService } from './registry.service';

/** Members of an approved business change its registry objects; system administrators read them all. */
const MEMBERS = [Role.GeneralUser, Role.BusinessAdmin];
const READERS = [...MEMBERS, Role.SystemAdmin];

/** Seed 002 "Repository Management" example answers. */
const PROJECTS_EXAMPLE = {
  data: [
    {
      projectId: 13,
      projectName: 'calico',
      createTime: 1551758321,
      updateTime: 1551758321,
      imageCount: 3,
      public: true,
    },
  ],
  total: 2,
  code: 200,
  message: 'success',
};
const IMAGES_EXAMPLE = {
  data: [
    {
      projectName: 'test',
      public: false,
      imageName: 'test/test-demo1',
      imageAddress: 'registry.dcdn.baidu.com/test/test-demo1',
      createTime: 1551758321,
      updateTime: 1551758321,
    },
    {
      projectName: 'test2',
      public: false,
      imageName: 'test2/test-demo2',
      imageAddress: 'registry.dcdn.baidu.com/test2/test-demo2',
      createTime: 1551758321,
      updateTime: 1551758321,
    },
  ],
  total: 2,
  code: 200,
  message: 'success',
};
const TAGS_EXAMPLE = {
  data: [
    {
      tag: 'latest',
      imageAddress: 'registry.dcdn.baidu.com/test/test-demo1',
      createTime: 1551758321,
      updateTime: 1551758321,
    },
    {
      tag: 'v1',
      imageAddress: 'registry.dcdn.baidu.com/test/test-demo1',
      createTime: 1551758321,
      updateTime: 1551758321,
    },
  ],
  total: 2,
  code: 200,
  message: 'success',
};
const EXTERNAL_REPOSITORIES_EXAMPLE = {
  data: [
    { id: 1, repositoryId: 'yq01', address: 'xxzxsdsdsds', user: 'ddddddd' },
    { id: 2, repositoryId: 'yq02', address: 'xxzxsdsdsds', user: 'ddddddd' },
  ],
  code: 200,
  total: 2,
  message: 'Success',
};

/** Docker registry token authentication: the registry sends clients here (its `auth.token.realm`). */
@ApiTags('repository')
@UseGuards(RegistryConfiguredGuard)
@Controller('service/token')
export class RegistryTokenController {
  constructor(private readonly accounts: RegistryAccountService) {}

  @ApiOperation({
    summary: 'Issue a registry token for the scopes a registry account may use',
    description:
      'Docker registry token authentication: the registry sends clients here with HTTP Basic ' +
      'credentials of a registry account; scopes the account may not use are left out of the token.',
  })
  @ApiSecurity(REGISTRY_BASIC_SCHEME)
  @ApiBareOk(RegistryToken)
  @ApiErrors(HttpStatus.UNAUTHORIZED, HttpStatus.TOO_MANY_REQUESTS, HttpStatus.SERVICE_UNAVAILABLE)
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
@UseGuards(RegistryConfiguredGuard)
@Controller('v1/repository')
export class RepositoryController {
  constructor(
    private readonly accounts: RegistryAccountService,
    private readonly registry: RegistryService,
  ) {}

  @ApiOperation({ summary: 'Create your registry account (one per user)' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(Role.Approved, ...READERS)
  @Post('user')
  @HttpCode(200)
  async createAccount(@CurrentUser() principal: Principal, @Body() dto: CreateAccountDto) {
    await this.accounts.create(principal, dto.user, dto.password);
  }

  @ApiOperation({ summary: 'Change your registry account’s password' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(Role.Approved, ...READERS)
  @Put('user')
  async changeAccountPassword(@CurrentUser() principal: Principal, @Body() dto: ChangeAccountPasswordDto) {
    await this.accounts.changePassword(principal, dto.password);
  }

  @ApiOperation({ summary: 'Create a registry project of your business' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(Role.BusinessAdmin)
  @Post('project')
  @HttpCode(200)
  async createProject(@CurrentActor() actor: Actor, @Body() dto: CreateProjectDto) {
    await this.registry.createProject(actor, dto);
  }

  @ApiOperation({ summary: 'List registry projects' })
  @ApiEnvelope({ data: [RegistryProjectView], paged: true, example: PROJECTS_EXAMPLE })
  @ApiErrors(HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...READERS)
  @Get('project')
  listProjects(@CurrentUser() principal: Principal, @Query() query: ProjectListQuery) {
    return this.registry.listProjects(principal, query);
  }

  @ApiOperation({ summary: 'Delete registry projects that hold no images' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(Role.BusinessAdmin)
  @Delete('project')
  async deleteProjects(@CurrentActor() actor: Actor, @Body() dto: DeleteProjectsDto) {
    await this.registry.deleteProjects(actor, dto.projectId);
  }

  @ApiOperation({ summary: 'List the images of a project' })
  @ApiEnvelope({ data: [RegistryImageView], paged: true, example: IMAGES_EXAMPLE })
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...READERS)
  @Get('image')
  listImages(@CurrentUser() principal: Principal, @Query() query: ImageListQuery) {
    return this.registry.listImages(principal, query);
  }

  @ApiOperation({ summary: 'List the tags of an image' })
  @ApiEnvelope({ data: [RegistryTagView], paged: true, example: TAGS_EXAMPLE })
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...READERS)
  @Get('image/tag')
  listTags(@CurrentUser() principal: Principal, @Query() query: TagListQuery) {
    return this.registry.listTags(principal, query);
  }

  @ApiOperation({ summary: 'Delete images with all their tags' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...MEMBERS)
  @Delete('image')
  async deleteImages(@CurrentUser() principal: Principal, @Body() dto: DeleteImagesDto) {
    await this.registry.deleteImages(principal, dto.imageName);
  }

  @ApiOperation({ summary: 'Delete tags of an image' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...MEMBERS)
  @Delete('image/tag')
  async deleteTags(@CurrentUser() principal: Principal, @Body() dto: DeleteTagsDto) {
    await this.registry.deleteTags(principal, dto.imageName, dto.tag);
  }
}

/** Registries the platform does not manage: credentials for pull secrets. */
@ApiTags('repository')
@Controller('v1/repository/third')
export class ExternalRepositoryController {
  constructor(private readonly repositories: ExternalRepositoryService) {}

  @ApiOperation({ summary: 'Record an external repository’s pull credentials' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...MEMBERS)
  @Post()
  @HttpCode(200)
  async create(@CurrentUser() principal: Principal, @Body() dto: CreateExternalRepositoryDto) {
    await this.repositories.create(principal, dto);
  }

  @ApiOperation({ summary: 'List external repositories' })
  @ApiEnvelope({ data: [ExternalRepositoryItem], paged: true, example: EXTERNAL_REPOSITORIES_EXAMPLE })
  @ApiErrors(HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...READERS)
  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: ExternalRepositoryListQuery) {
    return this.repositories.list(principal, query);
  }

  @ApiOperation({ summary: 'Get an external repository' })
  @ApiEnvelope({ data: ExternalRepositoryItem })
  @ApiErrors(HttpStatus.NOT_FOUND)
  @Roles(...READERS)
  @Get(':repositoryId')
  async get(@CurrentUser() principal: Principal, @Param('repositoryId') repositoryId: string) {
    return { data: await this.repositories.get(principal, repositoryId) };
  }

  @ApiOperation({ summary: 'Delete external repositories' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...MEMBERS)
  @Delete()
  async remove(@CurrentUser() principal: Principal, @Body() dto: DeleteExternalRepositoriesDto) {
    await this.repositories.remove(principal, dto.repositoryId);
  }
}
