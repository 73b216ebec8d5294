import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsNotEmpty } from 'class-validator';
import { IsNotIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery, UnlimitedPageQuery } from '../common/paging';
import { splitCommaList } from '../common/list-query';

/** SPEC §4: 1–63 letters, digits, `-` and `.`, starting and ending with a letter or digit. */
const LABEL_RULE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?$/;
const LABEL_MESSAGE =
  '$property must be 1-63 letters, digits, - and ., starting and ending with a letter or digit';
const IsLabel = (each = false) => Matches(LABEL_RULE, { each, message: LABEL_MESSAGE });

export const NODE_FIELDS = [
  'nodeName',
  'clusterName',
  'operatingSystem',
  'kernelVersion',
  'ip',
  'cpu',
  'memory',
  'disk',
  'gpu',
  'isReady',
] as const;
export type NodeField = (typeof NODE_FIELDS)[number];

/**
 * Fixed segments of the routes beside `/v1/cluster/{clusterName}` (`DELETE /v1/cluster/label` removes
 * labels): a cluster of such a name could be registered but never removed, so no cluster may take one.
 */
const RESERVED_CLUSTER_NAMES = ['label'];

export class RegisterClusterDto {
  @ApiProperty({ description: `not ${RESERVED_CLUSTER_NAMES.join(', ')}: reserved by the label routes` })
  @IsString()
  @IsLabel()
  @IsNotIn(RESERVED_CLUSTER_NAMES, {
    message: `clusterName must not be ${RESERVED_CLUSTER_NAMES.join(', ')}: /v1/cluster/label is the cluster label route`,
  })
  clusterName: string;
  @ApiProperty({ description: 'kubeconfig YAML; its current context is used' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1_000_000)
  kubeconfig: string;
}

export class ClusterLabelDto {
  @ApiProperty() @IsString() @IsLabel() clusterLabel: string;
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @IsLabel(true)
  clusterName: string[];
}

export class ClusterListQuery extends UnlimitedPageQuery {
  @ApiPropertyOptional({ default: 0, description: 'no limit by default' }) override pageSize: number = 0;
  @ApiPropertyOptional({ description: '"all" or a cluster label' })
  @IsOptional()
  @Matches(/^(all|[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?)$/, { message: LABEL_MESSAGE })
  clusterLabel?: string;
}

export class RemoveClusterQuery {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'true forgets the placements of live deployments on the cluster',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  force?: 'true' | 'false';
}

export class NodeListQuery extends PageQuery {
  @ApiPropertyOptional({ description: `comma-separated: ${NODE_FIELDS.join(',')}` })
  @IsOptional()
  @Transform(splitCommaList)
  @IsIn(NODE_FIELDS, { each: true, message: `field must be among ${NODE_FIELDS.join(', ')}` })
  field?: NodeField[];
  @ApiPropertyOptional() @IsOptional() @IsLabel() nodeLabel?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) clusterName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(253) nodeName?: string;
}

export class NodeLabelDto {
  @ApiProperty() @IsString() @IsLabel() nodeLabel: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(63) clusterName: string;
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  nodeName: string[];
}

export class DeleteNodeLabelDto extends NodeLabelDto {
  @ApiPropertyOptional({ default: false, description: 'also delete the deployments that target this label' })
  @IsOptional()
  @IsBoolean()
  deleteDeploy?: boolean;
}

export class NodeLabelListQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) clusterName?: string;
}

/** One registered edge cluster. */
export class ClusterView {
  @ApiProperty({ example: 'edge-1' }) clusterName: string;
  @ApiProperty({ format: 'uuid' }) clusterId: string;
  @ApiProperty() nodeCount: number;
  @ApiProperty({ description: 'its API server answered the last check' }) isReady: boolean;
  @ApiProperty({ description: 'true for the quick start’s simulated clusters, not a real edge' })
  simulated: boolean;
}

export class ClusterLabelView {
  @ApiProperty({ example: 'factory' }) clusterLabel: string;
  @ApiProperty({ description: 'Unix seconds' }) createTime: number;
}

/** One node; a `field=` query keeps only the named fields, so each may be absent. */
export class NodeView implements Record<NodeField, string | number | boolean> {
  @ApiPropertyOptional() nodeName: string;
  @ApiPropertyOptional() clusterName: string;
  @ApiPropertyOptional() operatingSystem: string;
  @ApiPropertyOptional() kernelVersion: string;
  @ApiPropertyOptional() ip: string;
  @ApiPropertyOptional({ description: 'cores' }) cpu: number;
  @ApiPropertyOptional({ description: 'bytes' }) memory: number;
  @ApiPropertyOptional({ description: 'bytes of ephemeral storage' }) disk: number;
  @ApiPropertyOptional() gpu: number;
  @ApiPropertyOptional() isReady: boolean;
}

export class NodeListMeta {
  @ApiProperty({ description: 'ready nodes among every match' }) readyNodeCount: number;
}
