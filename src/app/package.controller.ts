import { Controller, Get, HttpStatus, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../common/auth/decorators';
import { Principal } from '../common/auth/principal';
import { ApiBareOk, ApiProblems } from '../common/openapi';
import { AstraContract } from '../common/problem-json';
import { PACKAGE_LIST_EXAMPLE, PackageBody, PackageListBody } from './package-doc';
import { PackageService } from './package.service';

/** Seed 004, outside the ote-stack envelope: `account_id` is the business id. */
@ApiTags('packages')
@AstraContract()
@Controller('accounts/:accountId/core/v1/packages')
export class PackageController {
  constructor(private readonly packages: PackageService) {}

  @ApiOperation({ summary: 'List the packages (application versions) of an account' })
  @ApiBareOk(PackageListBody, PACKAGE_LIST_EXAMPLE)
  @ApiProblems(HttpStatus.BAD_REQUEST, HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN, HttpStatus.NOT_FOUND)
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

  @ApiOperation({ summary: 'Get one package of an account' })
  @ApiBareOk(PackageBody)
  @ApiProblems(HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN, HttpStatus.NOT_FOUND)
  @Get(':packageId')
  get(
    @CurrentUser() principal: Principal,
    @Param('accountId') accountId: string,
    @Param('packageId') packageId: string,
  ) {
    return this.packages.get(principal, accountId, packageId);
  }
}
