import { appImages, parseImageReference } from './app-rules';
import { PackageStatus, SEVERITY_LEVELS, SeverityLevel } from './app-version';
import { PACKAGE_STATE_TRANSITIONS, PACKAGE_STATES, packageStateDetails, StateDetail } from './package-state';
import { toSemVer } from './package-version';

export const PACKAGE_TYPES = ['install', 'patch'] as const;

/** One application version as a seed 004 package (`package_1.0_get_response_body`). */
export interface PackageView {
  type: 'application/astra-package';
  version: '1.0';
  id: string;
  packageName: string;
  packageVersion: string;
  packageType: (typeof PACKAGE_TYPES)[number];
  severityLevel: (typeof SEVERITY_LEVELS)[number];
  packageState: (typeof PACKAGE_STATES)[number];
  packageStateTransitions: typeof PACKAGE_STATE_TRANSITIONS;
  packageStateDetails: StateDetail[];
  images: { imageName: string; imagePath: string; imageTag: string; imageDigest: string | null }[];
  dependencies: never[];
  upgradableVersions: { minVersion?: string; maxVersion?: string };
  metadata: {
    labels: never[];
    creationTimestamp: string;
    modificationTimestamp: string;
    createdBy: string;
  };
}

/** A row of PackageService's query: the version's own columns and what the other versions say about it. */
export interface PackageRow {
  id: string;
  app_name: string;
  version: string;
  status: PackageStatus;
  status_detail: string;
  severity_level: SeverityLevel;
  image: string;
  deploy_type: string;
  image_digest: string | null;
  /** A chart's images' digests, in the order of its images (AppEntity.imageDigests). */
  image_digests: (string | null)[] | null;
  created_by: number;
  creation_timestamp: string;
  modification_timestamp: string;
  /**
   * 0 when no lower version of the application exists (`install`), 1 otherwise (`patch`). This and the
   * next two are null when a page does not include them.
   */
  package_type: number | null;
  /** The lowest and highest later versions of the application that are available. */
  upgrade_min: string | null;
  upgrade_max: string | null;
}

/**
 * The images a version runs (a workload's one, a chart's several), each with its digest once the
 * platform's registry gave it. Its path is the repository's directory without the registry
 * (`registry.example.com/team/web:1.0` → `/team`, `web`). An image the verifier could not parse has
 * no parts to show; the state detail says why.
 */
function images(row: PackageRow): PackageView['images'] {
  const digests = row.deploy_type === 'chart' ? (row.image_digests ?? []) : [row.image_digest];
  return appImages({ deployType: row.deploy_type, image: row.image }).flatMap((image, index) => {
    const parsed = parseImageReference(image);
    if ('error' in parsed) return [];
    const slash = parsed.repository.lastIndexOf('/');
    return [
      {
        imageName: parsed.repository.slice(slash + 1),
        imagePath: `/${parsed.repository.slice(0, Math.max(slash, 0))}`,
        imageTag: parsed.tag ?? 'latest',
        imageDigest: digests[index] ?? null,
      },
    ];
  });
}

export function toPackageView(row: PackageRow): PackageView {
  return {
    type: 'application/astra-package',
    version: '1.0',
    id: row.id,
    packageName: row.app_name,
    packageVersion: toSemVer(row.version),
    packageType: PACKAGE_TYPES[row.package_type ?? 0],
    severityLevel: SEVERITY_LEVELS[row.severity_level],
    packageState: PACKAGE_STATES[row.status],
    packageStateTransitions: PACKAGE_STATE_TRANSITIONS,
    packageStateDetails: packageStateDetails(row.status, row.status_detail),
    images: images(row),
    // No application declares what it needs of its cluster yet.
    dependencies: [],
    upgradableVersions: {
      ...(row.upgrade_min !== null && { minVersion: toSemVer(row.upgrade_min) }),
      ...(row.upgrade_max !== null && { maxVersion: toSemVer(row.upgrade_max) }),
    },
    metadata: {
      labels: [],
      creationTimestamp: row.creation_timestamp,
      modificationTimestamp: row.modification_timestamp,
      createdBy: String(row.created_by),
    },
  };
}

/** A field of a package by its name in `include`/`orderBy`: `packageName`, `metadata.createdBy`. */
export function packageField(view: PackageView, name: string): unknown {
  return name.split('.').reduce<unknown>((value, part) => (value as Record<string, unknown>)?.[part], view);
}
