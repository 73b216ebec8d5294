import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../common/auth/decorators';
import { Principal } from '../common/auth/principal';
import { AstraContract } from '../common/problem-json';
import { PackageService } from './package.service';

/** Seed 004, outside the ote-stack envelope: `account_id` is the business id. */
@ApiTags('packages')
@ApiSecurity('token')
@AstraContract()
@Controller('accounts/:accountId/core/v1/packages')
export class PackageController {
  constructor(private readonly packages: PackageService) {}

  @Get()
  @ApiQuery({
    name: 'filter',
    required: false,
    example: "packageName eq 'acc' and packageVersion gte '22.1'",
  })
  @ApiQuery({ name: 'orderBy', required: false, example: 'packageVersion desc' })
  @ApiQuery({ name: 'include', required: false, example: 'id,packageName,packageVersion,packageType' })
  @ApiQuery({ name: 'limit', required: false, example: '100' })
  @ApiQuery({ name: 'continue', required: false, description: 'metadata.continue of the previous page' })
  list(
    @CurrentUser() principal: Principal,
    @Param('accountId') accountId: string,
    @Query() query: Record<string, unknown>,
  ) {
    return this.packages.list(principal, accountId, query);
  }

  @Get(':packageId')
  get(
    @CurrentUser() principal: Principal,
    @Param('accountId') accountId: string,
    @Param('packageId') packageId: string,
  ) {
    return this.packages.get(principal, accountId, packageId);
  }
}
