import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Seed 000's query parameters, spelled as the seed spells them. */
export class ReleaseListQuery {
  @ApiPropertyOptional({ description: 'the chart application id (GET /v1/app)' })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  chart_id?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) namespace?: string;
}
