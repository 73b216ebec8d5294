import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import type { JsonObject } from '../common/json';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import { IsRowId } from '../common/id.pipe';
import { PageQuery, UnlimitedPageQuery } from '../common/paging';
import { AuditStatus } from './deploy.entity';
import { DeployAction, DeployStatus } from './deployment-status';
import { splitCommaList } from '../common/list-query';
import { VERSION_RULE } from '../app/app-rules';
import { ApiEnumProperty } from '../common/openapi';

/** A deployment name becomes the Kubernetes objects' name: a DNS-1123 label. */
const DEPLOY_NAME_RULE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TARGET_LABEL_RULE = /^(all|[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?)$/;
const TARGET_MESSAGE = '$property must be "all" or a label of 1-63 letters, digits, - and .';

const APP_NAME_MODES = ['strict', 'partial', 'prefix'] as const;
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
const MAX_VALUES_BYTES = 64 * 1024;
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

const DEPLOY_STATUS_TEXT =
  '0 pending, 1 approved, 2 disapproved, 3 processing, 4 deploying, 5 success, 6 partial success, 7 failed, 8 internal error, 9 deleted';
const DEPLOY_ACTION_TEXT = '1 create, 2 upgrade, 3 rollback, 4 delete';

/** How one deployment runs on one target cluster. */
export class ClusterStatusView {
  @ApiProperty({ example: 'edge-1' }) clusterName: string;
  @ApiProperty({
    description: 'the placement there: pending, applied, running, failed, offline or deleting',
  })
  status: string;
  @ApiProperty({ description: 'pods running' }) running: number;
  @ApiProperty({ description: 'pods failing' }) error: number;
  @ApiProperty({ description: 'pods wanted' }) total: number;
  @ApiProperty({ description: 'the last message from the cluster' }) message: string;
  @ApiProperty({ description: 'Unix seconds: when the placement entered its status' }) since: number;
}

/** One deployment; times in Unix seconds. */
export class DeploymentView {
  @ApiProperty() id: number;
  @ApiProperty({ example: 'nginx-edge' }) deployName: string;
  @ApiProperty({ example: 'nginx1' }) appName: string;
  @ApiProperty({ example: '1.2' }) version: string;
  @ApiProperty({ description: 'target cluster label, or "all"' }) cluster: string;
  @ApiProperty({ description: 'target node label, or "all"' }) nodeLabel: string;
  @ApiProperty() comment: string;
  @ApiProperty({ enum: DeployAction, enumName: 'DeployAction', description: DEPLOY_ACTION_TEXT })
  deployType: DeployAction;
  @ApiProperty({ enum: DeployStatus, enumName: 'DeployStatus', description: DEPLOY_STATUS_TEXT })
  status: DeployStatus;
  @ApiProperty() errorMessage: string;
  @ApiProperty() auditComment: string;
  @ApiProperty({ description: 'settled, so it takes a new request' }) editable: boolean;
  @ApiProperty() createTime: number;
  @ApiProperty() updateTime: number;
  @ApiProperty({ type: [ClusterStatusView] }) clusters: ClusterStatusView[];
}

/** A list row: a `field=` query keeps only the named fields. */
export class DeploymentListItem extends PartialType(DeploymentView) {}

export class HistoryVersionView {
  @ApiProperty({ example: '1.2' }) version: string;
  @ApiProperty({ enum: DeployAction, enumName: 'DeployAction', description: DEPLOY_ACTION_TEXT })
  deployType: DeployAction;
  @ApiProperty({ description: 'Unix seconds' }) createTime: number;
}

/** `GET /v1/deploy/id/{id}`; `historyVersion` only with `field=historyVersion`, newest first. */
export class DeploymentDetail extends DeploymentView {
  @ApiPropertyOptional({ type: [HistoryVersionView] }) historyVersion?: HistoryVersionView[];
}

/** One create/upgrade/rollback/delete request and its audit. */
export class DeployRequestView {
  @ApiProperty({ description: 'the request id, which an audit decision names' }) id: number;
  @ApiProperty() businessName: string;
  @ApiProperty() appName: string;
  @ApiProperty({ description: 'the version requested' }) version: string;
  @ApiProperty() cluster: string;
  @ApiProperty() deployId: number;
  @ApiProperty() deployName: string;
  @ApiProperty({ enum: DeployAction, enumName: 'DeployAction', description: DEPLOY_ACTION_TEXT })
  deployType: DeployAction;
  @ApiEnumProperty('AuditStatus', AuditStatus, '0 pending, 1 approved, 2 disapproved')
  status: AuditStatus;
  @ApiProperty({ description: 'the audit comment' }) comment: string;
  @ApiProperty({
    description:
      'the rendered objects of the running and the requested version as a unified diff, Secrets ' +
      'masked, for an upgrade or rollback; empty for a create or delete',
  })
  diff: string;
  @ApiProperty() createTime: number;
  @ApiProperty() updateTime: number;
}

const SEED_STDOUT = 'Writing to /tmp/barmy\nWritten to /tmp/barmy\n';

/** Seed 003's example answer. */
export const SOFTWARE_DEPLOYMENTS_EXAMPLE = {
  software_deployments: [
    {
      status: 'COMPLETE',
      server_id: 'ec14c864-096e-4e27-bb8a-2c2b4dc6f3f5',
      config_id: '8da95794-2ad9-4979-8ae5-739ce314c5cd',
      output_values: {
        deploy_stdout: SEED_STDOUT,
        deploy_stderr:
          '+ echo Writing to /tmp/barmy\n+ echo fu\n+ cat /tmp/barmy\n+ echo -n The file /tmp/barmy contains fu for server ec14c864-096e-4e27-bb8a-2c2b4dc6f3f5 during CREATE\n+ echo Written to /tmp/barmy\n+ echo Output to stderr\nOutput to stderr\n',
        deploy_status_code: 0,
        result:
          'The file /tmp/barmy contains fu for server ec14c864-096e-4e27-bb8a-2c2b4dc6f3f5 during CREATE',
      },
      input_values: null,
      action: 'CREATE',
      status_reason: 'Outputs received',
      id: 'ef422fa5-719a-419e-a10c-72e3a367b0b8',
      creation_time: '2015-01-31T15:12:36Z',
      updated_time: '2015-01-31T15:18:21Z',
    },
  ],
};

export class SoftwareDeploymentOutput {
  @ApiProperty({ example: SEED_STDOUT }) deploy_stdout: string;
  @ApiProperty({ example: '+ echo Writing to /tmp/barmy\n' }) deploy_stderr: string;
  @ApiProperty({ example: 0 }) deploy_status_code: number;
  @ApiProperty({ example: 'The file /tmp/barmy contains fu' }) result: string;
}

/** SPEC §9 (seed 003): one action of one deployment on one cluster, in the Heat API's shape. */
export class SoftwareDeploymentView {
  @ApiProperty({ format: 'uuid', example: 'ef422fa5-719a-419e-a10c-72e3a367b0b8' }) id: string;
  @ApiProperty({ example: 'CREATE' }) action: string;
  @ApiProperty({ example: '8da95794-2ad9-4979-8ae5-739ce314c5cd' }) config_id: string;
  @ApiProperty({ description: 'the cluster id', example: 'ec14c864-096e-4e27-bb8a-2c2b4dc6f3f5' })
  server_id: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) input_values: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ type: SoftwareDeploymentOutput }) output_values: SoftwareDeploymentOutput;
  @ApiProperty({ enum: ['IN_PROGRESS', 'COMPLETE', 'FAILED'], example: 'COMPLETE' }) status:
    'IN_PROGRESS' | 'COMPLETE' | 'FAILED';
  @ApiProperty({ example: 'Outputs received' }) status_reason: string;
  @ApiProperty({ example: '2015-01-31T15:12:36Z' }) creation_time: string;
  @ApiProperty({ example: '2015-01-31T15:18:21Z' }) updated_time: string;
}

/** `GET /v1/{project_id}/software_deployments` (seed 003): a bare body, not our envelope. */
export class SoftwareDeploymentList {
  @ApiProperty({ type: [SoftwareDeploymentView] }) software_deployments: SoftwareDeploymentView[];
}

export class SoftwareDeploymentOne {
  @ApiProperty({ type: SoftwareDeploymentView }) software_deployment: SoftwareDeploymentView;
}
