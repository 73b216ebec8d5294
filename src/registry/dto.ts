import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsOptional } from 'class-validator';
import { IsString, Matches, MaxLength } from 'class-validator';
import { IsPassword } from '../auth/password';
import { IsRowId } from '../common/id.pipe';
import { PageQuery, UnlimitedPageQuery } from '../common/paging';
import type { ExternalRepositoryView } from './external-repository.service';
import { PATH_COMPONENT_RULE } from './registry-access';
import type { IssuedToken } from './registry-token.service';
import type { ImageView, ProjectView, TagView } from './registry.service';

const MAX_LIST = 1000;
const TAG_RULE = /^[\w][\w.-]{0,127}$/;
/** `project/image[/more]` as it appears in the registry. */
const IMAGE_NAME_RULE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$/;
const IMAGE_NAME_MESSAGE = '$property must be project/image in lower-case letters, digits and ._- separators';

const queryBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

export class CreateAccountDto {
  @ApiProperty({ description: '1-64 letters, digits or _.@-' })
  @IsString()
  @Matches(/^[A-Za-z0-9_.@-]{1,64}$/, { message: 'user must be 1-64 letters, digits or _.@-' })
  user: string;
  @ApiProperty() @IsString() @IsPassword() password: string;
}

export class ChangeAccountPasswordDto {
  @ApiProperty() @IsString() @IsPassword() password: string;
}

export class CreateProjectDto {
  @ApiProperty({ description: 'lower-case letters and digits, separated by . _ __ or -' })
  @IsString()
  @MaxLength(255)
  @Matches(PATH_COMPONENT_RULE, {
    message: 'projectName must be lower-case letters and digits, separated by one of . _ __ -',
  })
  projectName: string;
  @ApiProperty() @IsBoolean() public: boolean;
}

export class ProjectListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'part of the project name' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  projectName?: string;
  @ApiPropertyOptional() @IsOptional() @Transform(queryBoolean) @IsBoolean() public?: boolean;
}

export class DeleteProjectsDto {
  @ApiProperty({ type: [Number] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_LIST)
  @IsRowId({ each: true })
  projectId: number[];
}

export class ImageListQuery extends UnlimitedPageQuery {
  @ApiProperty()
  @IsString()
  @MaxLength(255)
  @Matches(PATH_COMPONENT_RULE, { message: 'projectName must be a project name' })
  projectName: string;
  @ApiPropertyOptional({ description: 'part of the image name' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  imageName?: string;
  @ApiPropertyOptional({ enum: ['id'], description: 'images sort by name' })
  @IsOptional()
  @IsIn(['id'])
  orderBy?: 'id';
}

export class TagListQuery extends UnlimitedPageQuery {
  @ApiProperty()
  @IsString()
  @MaxLength(255)
  @Matches(IMAGE_NAME_RULE, { message: IMAGE_NAME_MESSAGE })
  imageName: string;
}

export class DeleteImagesDto {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MaxLength(255, { each: true })
  @Matches(IMAGE_NAME_RULE, { each: true, message: IMAGE_NAME_MESSAGE })
  imageName: string[];
}

export class DeleteTagsDto {
  @ApiProperty()
  @IsString()
  @MaxLength(255)
  @Matches(IMAGE_NAME_RULE, { message: IMAGE_NAME_MESSAGE })
  imageName: string;
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @Matches(TAG_RULE, { each: true, message: '$property must hold valid image tags' })
  tag: string[];
}

/** Becomes part of a Secret's data key and the console's selection: a short, plain name. */
const REPOSITORY_ID_RULE = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,62})$/;

export class CreateExternalRepositoryDto {
  @ApiProperty({ description: '1-63 letters, digits or _.-' })
  @IsString()
  @Matches(REPOSITORY_ID_RULE, { message: 'repositoryId must be 1-63 letters, digits or _.-' })
  repositoryId: string;
  @ApiProperty({ description: 'registry host[:port], as image names start' })
  @IsString()
  @MaxLength(255)
  @Matches(/^[\x21-\x7e]+$/, { message: 'address must be a registry address without spaces' })
  address: string;
  @ApiProperty()
  @IsString()
  @MaxLength(255)
  @Matches(/^[^:\s]+$/, { message: 'user must not be empty or hold spaces or colons' })
  user: string;
  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  @Matches(/^\S/, { message: 'password must not be empty' })
  password: string;
}

export class ExternalRepositoryListQuery extends UnlimitedPageQuery {
  @ApiPropertyOptional({ enum: ['id'] }) @IsOptional() @IsIn(['id']) orderBy?: 'id';
}

export class DeleteExternalRepositoriesDto {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  repositoryId: string[];
}

/** One registry project as `GET /v1/repository/project` lists it (seed 002). */
export class RegistryProjectView implements ProjectView {
  @ApiProperty() projectId: number;
  @ApiProperty({ example: 'proj1' }) projectName: string;
  @ApiProperty({ description: 'Unix seconds' }) createTime: number;
  @ApiProperty({ description: 'Unix seconds' }) updateTime: number;
  @ApiProperty() imageCount: number;
  @ApiProperty({ description: 'anyone may pull its images' }) public: boolean;
}

/** One image (repository) of a project (seed 002). */
export class RegistryImageView implements ImageView {
  @ApiProperty({ example: 'proj1' }) projectName: string;
  @ApiProperty() public: boolean;
  @ApiProperty({ example: 'proj1/nginx' }) imageName: string;
  @ApiProperty({ example: 'registry.example.com/proj1/nginx' }) imageAddress: string;
  @ApiProperty({ description: 'Unix seconds' }) createTime: number;
  @ApiProperty({ description: 'Unix seconds' }) updateTime: number;
}

/** One tag of an image (seed 002). */
export class RegistryTagView implements TagView {
  @ApiProperty({ example: 'latest' }) tag: string;
  @ApiProperty({ example: 'registry.example.com/proj1/nginx:latest' }) imageAddress: string;
  @ApiProperty({ description: 'Unix seconds' }) createTime: number;
  @ApiProperty({ description: 'Unix seconds' }) updateTime: number;
}

/** An external repository's credentials as the routes show them: never its password. */
export class ExternalRepositoryItem implements ExternalRepositoryView {
  @ApiProperty() id: number;
  @ApiProperty({ description: 'the id a deployment names in `repositoryId`' }) repositoryId: string;
  @ApiProperty({ example: 'docker.io' }) address: string;
  @ApiProperty() user: string;
}

/** The token service's answer (Docker registry token authentication): the same token twice. */
export class RegistryToken implements IssuedToken {
  @ApiProperty({ description: 'an ES256 JWT the registry accepts' }) token: string;
  @ApiProperty({ description: 'the same JWT, for OAuth 2 clients' }) access_token: string;
  @ApiProperty({ description: 'seconds', example: 1800 }) expires_in: number;
  @ApiProperty({ format: 'date-time' }) issued_at: string;
}
