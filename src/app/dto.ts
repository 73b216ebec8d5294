import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsInt, IsOptional } from 'class-validator';
import { IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsRowId } from '../common/id.pipe';
import { UnlimitedPageQuery } from '../common/paging';
import { AppDeployType, PackageStatus, SEVERITY_LEVELS } from './app-version';
import type { AppView } from './app-view';
import { ABSOLUTE_PATH_RULE, APP_NAME_RULE, ENV_NAME_RULE, PLAUSIBLE_IMAGE_RULE } from './app-rules';
import { UINT32_MAX, VERSION_RULE } from './app-rules';
import { ApiEnumProperty } from '../common/openapi';

/** The seed's `uint32`: an integer from 0 to 4294967295. */
const Uint32 = () => applyDecorators(IsInt(), Min(0), Max(UINT32_MAX));
const PortNumber = () => applyDecorators(IsInt(), Min(1), Max(65535));
const AbsolutePath = () =>
  applyDecorators(
    IsString(),
    MaxLength(4096),
    Matches(ABSOLUTE_PATH_RULE, { message: '$property must be an absolute path' }),
  );
/** A list of objects of one kind, each validated (unknown fields inside them too). */
const ListOf = (type: () => new () => object, max: number) =>
  applyDecorators(IsArray(), ArrayMaxSize(max), ValidateNested({ each: true }), Type(type));

export const APP_NAME_MESSAGE =
  '$property must be a DNS label: 1-63 lower-case letters, digits and -, starting and ending with a letter or digit';
export const VERSION_MESSAGE = '$property must be 2 to 4 dot-separated numbers, such as 1.2 or 1.2.3.4';

export class PortDto {
  @ApiProperty({ minimum: 1, maximum: 65535 }) @PortNumber() port: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 65535 }) @IsOptional() @PortNumber() hostPort?: number;
}

export class VolumeDto {
  @ApiProperty({ description: 'mount path in the container' }) @AbsolutePath() path: string;
  @ApiProperty({ description: 'path on the node' }) @AbsolutePath() hostPath: string;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() readOnly?: boolean;
}

export class EnvDto {
  @ApiProperty()
  @IsString()
  @MaxLength(253)
  @Matches(ENV_NAME_RULE, { message: '$property must be letters, digits and _, not starting with a digit' })
  name: string;
  @ApiProperty() @IsString() @MaxLength(32768) value: string;
}

/** `POST /v1/app` (seed 002). CPU in percent of a core, memory in MiB. */
export class CreateAppDto {
  @ApiProperty({ example: 'nginx1' })
  @IsString()
  @Matches(APP_NAME_RULE, { message: APP_NAME_MESSAGE })
  appName: string;

  @ApiProperty({ enum: ['deployment', 'daemonset'] })
  @IsString()
  @IsIn(['deployment', 'daemonset'])
  deployType: 'deployment' | 'daemonset';

  @ApiProperty({ example: 'nginx:latest', description: 'image repository with tag' })
  @IsString()
  @MaxLength(512)
  @Matches(PLAUSIBLE_IMAGE_RULE, { message: '$property must be an image reference such as nginx:1.25' })
  image: string;

  @ApiProperty({ example: '1.2' })
  @IsString()
  @Matches(VERSION_RULE, { message: VERSION_MESSAGE })
  version: string;

  @ApiPropertyOptional({ description: 'repository whose secret pulls the image' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  repositoryId?: string;

  @ApiProperty({ type: [PortDto] }) @ListOf(() => PortDto, 100) port: PortDto[];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4096) command?: string;
  @ApiPropertyOptional({ type: [VolumeDto] })
  @IsOptional()
  @ListOf(() => VolumeDto, 100)
  volume?: VolumeDto[];
  @ApiPropertyOptional({ type: [EnvDto] }) @IsOptional() @ListOf(() => EnvDto, 500) env?: EnvDto[];

  @ApiPropertyOptional({ description: 'default replicas' }) @IsOptional() @Uint32() replicas?: number;
  @ApiPropertyOptional() @IsOptional() @Uint32() minReplicas?: number;
  @ApiPropertyOptional() @IsOptional() @Uint32() maxReplicas?: number;
  @ApiProperty({ description: 'minimal CPU, percent of a core' }) @Uint32() minCPU: number;
  @ApiProperty({ description: 'maximal CPU, percent of a core' }) @Uint32() maxCPU: number;
  @ApiPropertyOptional({ description: 'GPU count' }) @IsOptional() @Uint32() GPU?: number;
  @ApiProperty({ description: 'use a horizontal pod autoscaler' }) @IsBoolean() isHPA: boolean;
  @ApiProperty({ description: 'CPU utilization (%) that triggers autoscaling' })
  @Uint32()
  targetCPUUtilization: number;
  @ApiProperty({ description: 'memory utilization (%) that triggers autoscaling' })
  @Uint32()
  targetMemUtilization: number;
  @ApiProperty({ description: 'MiB' }) @Uint32() minMemory: number;
  @ApiProperty({ description: 'MiB' }) @Uint32() maxMemory: number;
  @ApiProperty() @Uint32() maxUnavailable: number;
  @ApiProperty() @Uint32() maxSurge: number;
  @ApiProperty() @Uint32() minReadySeconds: number;

  @ApiPropertyOptional({
    enum: SEVERITY_LEVELS,
    default: 'recommended',
    description: 'seed 004 package severity',
  })
  @IsOptional()
  @IsIn(SEVERITY_LEVELS)
  severityLevel?: (typeof SEVERITY_LEVELS)[number];
}

const APP_NAME_MODES = ['strict', 'partial', 'prefix'] as const;
export type AppNameMode = (typeof APP_NAME_MODES)[number];

export class AppListQuery extends UnlimitedPageQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) appName?: string;
  @ApiPropertyOptional({ enum: APP_NAME_MODES, default: 'partial' })
  @IsOptional()
  @IsIn(APP_NAME_MODES)
  appNameMode: AppNameMode = 'partial';
  @ApiPropertyOptional({ description: 'exact version' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  version?: string;
}

export class DeleteAppsDto {
  @ApiProperty({ type: [Number] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @IsRowId({ each: true })
  appId: number[];
}

/** One application version as `GET /v1/app` shows it (seed 002): CPU in cores, times in Unix seconds. */
export class AppVersionView implements AppView {
  @ApiProperty({ description: 'the version’s id (appId)' }) id: number;
  @ApiProperty({ example: 'nginx1' }) appName: string;
  @ApiProperty({ example: '1.2' }) version: string;
  @ApiProperty({ enum: ['deployment', 'daemonset', 'chart'] }) deployType: AppDeployType;
  @ApiProperty({ example: 'nginx:latest' }) image: string;
  @ApiProperty({ description: 'the business (project) name' }) projectName: string;
  @ApiProperty({ description: 'empty when none' }) repositoryId: string;
  @ApiProperty() replicas: number;
  @ApiProperty({ type: [PortDto] }) port: PortDto[];
  @ApiProperty() command: string;
  @ApiProperty({ type: [VolumeDto] }) volume: VolumeDto[];
  @ApiProperty({ type: [EnvDto] }) env: EnvDto[];
  @ApiProperty() minReplicas: number;
  @ApiProperty() maxReplicas: number;
  @ApiProperty({ description: 'cores', example: 0.1 }) minCPU: number;
  @ApiProperty({ description: 'cores', example: 2 }) maxCPU: number;
  @ApiProperty() GPU: number;
  @ApiProperty() isHPA: boolean;
  @ApiProperty() targetCPUUtilization: number;
  @ApiProperty() targetMemUtilization: number;
  @ApiProperty({ description: 'MiB' }) minMemory: number;
  @ApiProperty({ description: 'MiB' }) maxMemory: number;
  @ApiProperty() maxUnavailable: number;
  @ApiProperty() maxSurge: number;
  @ApiProperty() minReadySeconds: number;
  @ApiEnumProperty('PackageStatus', PackageStatus, '0 verifying, 1 available, 2 incomplete, 3 corrupt')
  status: PackageStatus;
  @ApiProperty() createTime: number;
  @ApiProperty() updateTime: number;
}
