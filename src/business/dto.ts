import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../common/paging';
import { BusinessStatus } from './business-status';
import { ApiEnumProperty } from '../common/openapi';

export class CreateBusinessDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(128) name: string;
  @ApiProperty() @IsString() @MaxLength(4000) introduce: string;
  @ApiProperty() @IsString() @MaxLength(4000) objective: string;
  @ApiProperty() @IsString() @MaxLength(256) scale: string;
}

export class AuditBusinessDto {
  @ApiProperty() @IsString() @MaxLength(4000) comment: string;
  @ApiProperty({ enum: [1, 2] })
  @IsInt()
  @IsIn([BusinessStatus.Approved, BusinessStatus.Disapproved])
  status: BusinessStatus.Approved | BusinessStatus.Disapproved;
}

export class BusinessListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['id'] }) @IsOptional() @IsIn(['id']) orderBy?: 'id';
  @ApiPropertyOptional({ description: 'part of the business name' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  name?: string;
}

/** Seed 002's example answer of `GET /v1/business/id/1`. */
export const BUSINESS_EXAMPLE = {
  data: {
    name: 'name',
    userId: 123,
    introduce: 'introduce',
    objective: '',
    scale: '1400000000',
    comment: 'comment',
    id: 1,
    status: 0,
    createTime: 1590062196,
    updateTime: 1590062196,
  },
  code: 200,
  message: 'success',
};

/** One business (a project in the seeds); times in Unix seconds. */
export class BusinessView {
  @ApiProperty() id: number;
  @ApiProperty({ example: 'smart-factory' }) name: string;
  @ApiProperty({ description: 'the business administrator' }) userId: number;
  @ApiProperty() introduce: string;
  @ApiProperty() objective: string;
  @ApiProperty({ example: '1400000000' }) scale: string;
  @ApiProperty({ description: 'the audit comment' }) comment: string;
  @ApiEnumProperty('BusinessStatus', BusinessStatus, '0 pending, 1 approved, 2 disapproved, 3 deleted')
  status: BusinessStatus;
  @ApiProperty() createTime: number;
  @ApiProperty() updateTime: number;
}
