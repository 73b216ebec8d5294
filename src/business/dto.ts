import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../common/paging';
import { BusinessStatus } from './business-status';

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
