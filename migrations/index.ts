import { UsersAndBusinesses1763800000000 } from './1763800000000-users-and-businesses';
import { Clusters1763800100000 } from './1763800100000-clusters';
import { Applications1763800200000 } from './1763800200000-applications';
import { Deployments1763800300000 } from './1763800300000-deployments';
import { UserTokenVersion1764200000000 } from './1764200000000-user-token-version';
import { PlacementsPerCluster1764300000000 } from './1764300000000-placements-per-cluster';
import { Registry1764400000000 } from './1764400000000-registry';
import { Packages1764600000000 } from './1764600000000-packages';
import { ChartsAndReleases1764500000000 } from './1764500000000-charts-and-releases';
import { AuditLog1764700000000 } from './1764700000000-audit-log';
import { ClusterSimulated1764800000000 } from './1764800000000-cluster-simulated';
import { PlacementsTable1764900000000 } from './1764900000000-placements-table';
import { PlatformHeartbeat1765000000000 } from './1765000000000-platform-heartbeat';
import { ChartImageDigests1765100000000 } from './1765100000000-chart-image-digests';
import { RequestPullCredentials1765200000000 } from './1765200000000-request-pull-credentials';
import { PlacementGenerations1765300000000 } from './1765300000000-placement-generations';
import { PlacementsClusterKey1765400000000 } from './1765400000000-placements-cluster-key';
import { EventOutbox1765500000000 } from './1765500000000-event-outbox';
import { EventOutboxAttempts1765600000000 } from './1765600000000-event-outbox-attempts';

/** Every migration, oldest first; TypeORM runs the ones a database has not seen yet. */
export const MIGRATIONS = [
  UsersAndBusinesses1763800000000,
  Clusters1763800100000,
  Applications1763800200000,
  Deployments1763800300000,
  UserTokenVersion1764200000000,
  PlacementsPerCluster1764300000000,
  Registry1764400000000,
  Packages1764600000000,
  ChartsAndReleases1764500000000,
  AuditLog1764700000000,
  ClusterSimulated1764800000000,
  PlacementsTable1764900000000,
  PlatformHeartbeat1765000000000,
  ChartImageDigests1765100000000,
  RequestPullCredentials1765200000000,
  PlacementGenerations1765300000000,
  PlacementsClusterKey1765400000000,
  EventOutbox1765500000000,
  EventOutboxAttempts1765600000000,
];
