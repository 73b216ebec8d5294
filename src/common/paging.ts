import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

type SortOrder = 'asc' | 'desc';

/** The most rows one page holds, also when a route's `pageSize=0` asks for no limit (SPEC §12). */
const MAX_PAGE_SIZE = 1000;
/** Keeps `(page - 1) × pageSize` an exact integer that PostgreSQL's OFFSET takes. */
const MAX_PAGE = 2_147_483_647;

class PagingBase {
  @ApiPropertyOptional({ type: Number, default: 1, maximum: MAX_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page = 1;
  @ApiPropertyOptional({ enum: ['asc', 'desc'] }) @IsOptional() @IsIn(['asc', 'desc']) order?: SortOrder;
}

/** `page`/`pageSize`/`order` of SPEC §1; a route adds its own `orderBy` with the columns its seed names. */
export class PageQuery extends PagingBase {
  @ApiPropertyOptional({ type: Number, default: 10, maximum: MAX_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  pageSize = 10;
}

/** For the routes whose seed says `pageSize=0` means no limit. */
export class UnlimitedPageQuery extends PagingBase {
  @ApiPropertyOptional({
    type: Number,
    default: 10,
    maximum: MAX_PAGE_SIZE,
    description: `0 for no limit (at most ${MAX_PAGE_SIZE} rows)`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  pageSize = 10;
}

export interface Page {
  skip: number;
  take: number;
}

export function toPage(query: { page: number; pageSize: number }): Page {
  if (query.pageSize === 0) return { skip: 0, take: MAX_PAGE_SIZE };
  return { skip: (query.page - 1) * query.pageSize, take: query.pageSize };
}

export interface Paged<T> {
  data: T[];
  total: number;
}
