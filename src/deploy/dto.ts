import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { JsonObject } from '../common/json';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import { IsRowId } from '../common/id.pipe';
import { PageQuery, UnlimitedPageQuery } from '../common/paging';
import { AuditStatus } from './deploy.entity';
import { splitCommaList } from '../common/list-query';
import { VERSION_RULE } from '../app/app-rules';

/** A deployment name becomes the Kubernetes objects' name: a DNS-1123 label. */
const DEPLOY_NAME_RULE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TARGET_LABEL_RULE = /^(all|[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?)$/;
const TARGET_MESSAGE = '$property must be "all" or a label of 1-63 letters, digits, - and .';

export const APP_NAME_MODES = ['strict', 'partial', 'prefix'] as const;
export type AppNameMode = (typeof APP_NAME_MODES)[number];

export const DEPLOY_FIELDS = [
  'id',
  'deployName',
  'appName',
  'version',
  'cluster',
  'nodeLabel',
  'comment',
  'deployType',
  'status',
  'errorMessage',
  'auditComment',
  'editable',
  'createTime',
  'updateTime',
  'clusters',
] as const;
export type DeployField = (typeof DEPLOY_FIELDS)[number];

/** Chart values (a JSON object, as `helm --values` takes them), bounded like any other body field. */
export const MAX_VALUES_BYTES = 64 * 1024;
const ChartValues = () =>
  ValidateBy({
    name: 'chartValues',
    validator: {
      validate: (value: unknown) =>
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Buffer.byteLength(JSON.stringify(value)) <= MAX_VALUES_BYTES,
      defaultMessage: () => `values must be an object of at most ${MAX_VALUES_BYTES / 1024} KiB of JSON`,
    },
  });
const VALUES_DOC = { description: 'chart values (chart applications only), as helm --values takes them' };

/** SPEC §6: an empty target label means every cluster (or node), stored as `all` like the default. */
const emptyMeansAll = ({ value }: { value: unknown }) => (value === '' ? 'all' : value);

export class CreateDeployDto {
  @ApiProperty()
  @IsString()
  @Matches(DEPLOY_NAME_RULE, {
    message: 'deployName must be a DNS label: 1-63 lower-case letters, digits and -',
  })
  deployName: string;
  @ApiProperty() @IsString() @MaxLength(63) appName: string;
  @ApiProperty()
  @IsString()
  @Matches(VERSION_RULE, { message: 'version must be 2 to 4 dotted numbers' })
  version: string;
  @ApiPropertyOptional({ default: 'all' })
  @IsOptional()
  @Transform(emptyMeansAll)
  @IsString()
  @Matches(TARGET_LABEL_RULE, { message: TARGET_MESSAGE })
  cluster: string = 'all';
  @ApiPropertyOptional({ default: 'all' })
  @IsOptional()
  @Transform(emptyMeansAll)
  @IsString()
  @Matches(TARGET_LABEL_RULE, { message: TARGET_MESSAGE })
  nodeLabel: string = 'all';
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) comment: string = '';
  @ApiPropertyOptional(VALUES_DOC) @IsOptional() @ChartValues() values?: JsonObject;
}

export class ChangeVersionDto {
  @ApiProperty()
  @IsString()
  @Matches(VERSION_RULE, { message: 'version must be 2 to 4 dotted numbers' })
  version: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) comment: string = '';
  /** Upgrade: the new values (default: the running ones). Rollback: default the values that version ran with. */
  @ApiPropertyOptional(VALUES_DOC) @IsOptional() @ChartValues() values?: JsonObject;
}

export class DeployListQuery extends UnlimitedPageQuery {
  @ApiPropertyOptional({ description: `comma-separated: ${DEPLOY_FIELDS.join(',')}` })
  @IsOptional()
  @Transform(splitCommaList)
  @IsIn(DEPLOY_FIELDS, { each: true, message: `field must be among ${DEPLOY_FIELDS.join(', ')}` })
  field?: DeployField[];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) appName?: string;
  @ApiPropertyOptional({ enum: APP_NAME_MODES, type: String })
  @IsOptional()
  @IsIn(APP_NAME_MODES)
  appNameMode: AppNameMode = 'partial';
  @ApiPropertyOptional({ enum: ['true', 'false', 'all'] })
  @IsOptional()
  @IsIn(['true', 'false', 'all'])
  editable: string = 'all';
  @ApiPropertyOptional({ enum: ['true', 'all'] }) @IsOptional() @IsIn(['true', 'all']) running: string =
    'all';
}

export class DeployGetQuery {
  @ApiPropertyOptional({ description: '"historyVersion" adds every version the deployment has run' })
  @IsOptional()
  @IsIn(['historyVersion'])
  field?: 'historyVersion';
}

export class AuditListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['id'] }) @IsOptional() @IsIn(['id']) orderBy?: 'id';
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(128) businessName?: string;
}

export class AuditDeployDto {
  @ApiProperty() @IsRowId() id: number;
  @ApiProperty({ enum: [1, 2] })
  @IsInt()
  @IsIn([AuditStatus.Approved, AuditStatus.Disapproved])
  status: AuditStatus.Approved | AuditStatus.Disapproved;
  @ApiProperty() @IsString() @MaxLength(4000) comment: string;
}
