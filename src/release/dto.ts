import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { RELEASE_STATUSES } from './release.entity';
import type { ReleaseResp } from './release.service';

/** Seed 000's query parameters, spelled as the seed spells them. */
export class ReleaseListQuery {
  /** Any decimal id (the service checks it); one beyond the id column matches nothing, as an unknown id. */
  @ApiPropertyOptional({ description: 'the chart application id (GET /v1/app)' })
  @IsOptional()
  @IsString()
  chart_id?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) namespace?: string;
}

/** Seed 000 `ReleaseResp`, field for field (snake_case as the seed spells it). */
export class ReleaseRespView implements ReleaseResp {
  @ApiProperty({ example: 'magento-mysql' }) chart_name: string;
  @ApiProperty() chart_public: boolean;
  @ApiProperty({ example: '1.0.0' }) chart_version: string;
  @ApiProperty() cluster_id: string;
  @ApiProperty() cluster_name: string;
  @ApiProperty({ format: 'date-time' }) create_at: string;
  @ApiProperty({ example: 'Initial install underway' }) description: string;
  @ApiProperty({ description: 'the release name' }) name: string;
  @ApiProperty() namespace: string;
  @ApiProperty() parameters: string;
  @ApiProperty() resources: string;
  @ApiProperty({ enum: RELEASE_STATUSES, enumName: 'ReleaseStatus', description: 'Helm’s release status' })
  status: string;
  @ApiProperty() status_description: string;
  @ApiProperty({ format: 'date-time' }) update_at: string;
  @ApiProperty({ description: 'the values as JSON text, secrets masked' }) values: string;
  @ApiProperty({ description: 'the revision, from 1' }) version: number;
}

/** Seed 000's example answer of "Obtaining a Release List". */
export const RELEASES_EXAMPLE = [
  {
    chart_name: 'magento-mysql',
    chart_public: false,
    chart_version: '1.0.0',
    cluster_id: 'a870253f-5dc7-11ee-bf71-0255ac100b03',
    cluster_name: 'sfs-turbo-test',
    create_at: '2023-11-14T20:30:57+08:00',
    description: 'Initial install underway',
    name: 'testwww',
    namespace: 'monitoring',
    parameters: '',
    resources: '',
    status: 'PENDING_INSTALL',
    status_description: 'Initial install underway',
    update_at: '2023-11-14T20:30:57+08:00',
    values:
      '{"basic":{"admin_password":"******","admin_username":"username","app_name":"magento","mysql_database":"magento","mysql_name":"mysql","mysql_password":"******","mysql_port":3306,"mysql_root_password":"******","mysql_user":"magento","storage_class":"csi-nas","storage_mode":"ReadWriteMany","storage_size":"10G"},"global":{"magento_EIP":"100.100.100.100","magento_EPORT":32080,"namespace":"default"},"image":{"magento_image":"example.com/everest/magento:latest","mysql_image":"example.com/everest/mysql:5.7.14"}}',
    version: 1,
  },
];
