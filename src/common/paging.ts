import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Min } from 'class-validator';

export type SortOrder = 'asc' | 'desc';

class PagingBase {
  @ApiPropertyOptional({ type: Number, default: 1 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page =
    1;
  @ApiPropertyOptional({ enum: ['asc', 'desc'] }) @IsOptional() @IsIn(['asc', 'desc']) order?: SortOrder;
}

/** `page`/`pageSize`/`order` of SPEC §1; a route adds its own `orderBy` with the columns its seed names. */
export class PageQuery extends PagingBase {
  @ApiPropertyOptional({ type: Number, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  pageSize = 10;
}

/** For the routes whose seed says `pageSize=0` means no limit. */
export class UnlimitedPageQuery extends PagingBase {
  @ApiPropertyOptional({ type: Number, default: 10, description: '0 for no limit' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  pageSize = 10;
}

export interface Page {
  skip: number;
  take?: number;
}

export function toPage(query: { page: number; pageSize: number }): Page {
  if (query.pageSize === 0) return { skip: 0 };
  return { skip: (query.page - 1) * query.pageSize, take: query.pageSize };
}

export interface Paged<T> {
  data: T[];
  total: number;
}
