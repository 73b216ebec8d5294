import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { SEVERITY_LEVELS } from './app-version';
import { PACKAGE_STATES } from './package-state';
import type { PackageList } from './package.service';
import { PACKAGE_TYPES, PackageView } from './package-view';

/**
 * Seed 004's package bodies as OpenAPI models, typed by the service's views so that the two cannot
 * drift apart.
 */

class PackageImage {
  @ApiProperty({ example: 'acc' }) imageName: string;
  @ApiProperty({ example: '/globalcicd', description: 'the repository directory, without the registry' })
  imagePath: string;
  @ApiProperty({ example: '22.01.0' }) imageTag: string;
  @ApiProperty({ type: String, nullable: true, description: 'the verified digest, once known' })
  imageDigest: string | null;
}

class PackageStateTransition {
  @ApiProperty({ enum: PACKAGE_STATES }) from: (typeof PACKAGE_STATES)[number];
  @ApiProperty({ enum: PACKAGE_STATES, isArray: true }) to: (typeof PACKAGE_STATES)[number][];
}

class PackageStateDetail {
  @ApiProperty({ example: 'urn:ote-stack:package-state:incomplete' }) type: string;
  @ApiProperty() title: string;
  @ApiProperty() detail: string;
}

class UpgradableVersions {
  @ApiPropertyOptional({ example: '22.1.1' }) minVersion?: string;
  @ApiPropertyOptional({ example: '22.4.0' }) maxVersion?: string;
}

class PackageMetadata {
  @ApiProperty({ type: 'array', items: {}, maxItems: 0 }) labels: never[];
  @ApiProperty({ format: 'date-time' }) creationTimestamp: string;
  @ApiProperty({ format: 'date-time' }) modificationTimestamp: string;
  @ApiProperty({ description: 'the creator’s user id' }) createdBy: string;
}

/** `package_1.0_get_response_body`. */
export class PackageBody implements PackageView {
  @ApiProperty({ enum: ['application/astra-package'] }) type: 'application/astra-package';
  @ApiProperty({ enum: ['1.0'] }) version: '1.0';
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'acc' }) packageName: string;
  @ApiProperty({ example: '22.1.0', description: 'SemVer' }) packageVersion: string;
  @ApiProperty({ enum: PACKAGE_TYPES }) packageType: (typeof PACKAGE_TYPES)[number];
  @ApiProperty({ enum: SEVERITY_LEVELS }) severityLevel: (typeof SEVERITY_LEVELS)[number];
  @ApiProperty({ enum: PACKAGE_STATES }) packageState: (typeof PACKAGE_STATES)[number];
  @ApiProperty({ type: [PackageStateTransition] })
  packageStateTransitions: PackageView['packageStateTransitions'];
  @ApiProperty({ type: [PackageStateDetail] }) packageStateDetails: PackageStateDetail[];
  @ApiProperty({ type: [PackageImage] }) images: PackageImage[];
  @ApiProperty({ type: 'array', items: {}, maxItems: 0, description: 'none are declared yet' })
  dependencies: never[];
  @ApiProperty({ type: UpgradableVersions }) upgradableVersions: UpgradableVersions;
  @ApiProperty({ type: PackageMetadata }) metadata: PackageMetadata;
}

/** Seed 004 `type_astra_metadata_list`: every field optional; this server sends `continue` only. */
class PackageListMetadata {
  @ApiPropertyOptional({ description: 'pass as `continue` for the next page; absent on the last' })
  continue?: string;
  @ApiPropertyOptional() count?: number;
  @ApiPropertyOptional({ type: 'array', items: {} }) labels?: unknown[];
  @ApiPropertyOptional({ format: 'date-time' }) creationTimestamp?: string;
  @ApiPropertyOptional({ format: 'date-time' }) modificationTimestamp?: string;
  @ApiPropertyOptional() createdBy?: string;
  @ApiPropertyOptional() modifiedBy?: string;
}

/** The collection: whole packages, or with `include` one array of the named fields per package. */
export class PackageListBody implements PackageList {
  @ApiProperty({ enum: ['application/astra-packages'] }) type: 'application/astra-packages';
  @ApiProperty({ enum: ['1.0'] }) version: '1.0';
  @ApiProperty({
    type: 'array',
    items: { anyOf: [{ $ref: getSchemaPath(PackageBody) }, { type: 'array', items: {} }] },
  })
  items: PackageView[] | unknown[][];
  @ApiProperty({ type: PackageListMetadata }) metadata: PackageListMetadata;
}

/** Seed 004's example list answer (with `include=id,packageName,packageVersion,packageType`). */
export const PACKAGE_LIST_EXAMPLE = {
  type: 'application/astra-packages',
  version: '1.0',
  items: [
    ['e280ff62-be35-4f31-a31b-a210a1ad1b33', 'acc', '22.01.0', 'install'],
    ['e8507dad-d33f-44b3-9c15-ec55ba6f6473', 'acc', '22.01.1', 'patch'],
  ],
  metadata: {
    labels: [],
    creationTimestamp: '2022-10-06T20:58:16.305662Z',
    modificationTimestamp: '2022-10-06T20:58:16.305662Z',
    createdBy: '8f84cf09-8036-51e4-b579-bd30cb07b269',
  },
};
