import { UsersAndBusinesses1763800000000 } from './1763800000000-users-and-businesses';
import { Clusters1763800100000 } from './1763800100000-clusters';
import { Applications1763800200000 } from './1763800200000-applications';
import { Deployments1763800300000 } from './1763800300000-deployments';
import { Packages1764600000000 } from './1764600000000-packages';

/** Every migration, oldest first; TypeORM runs the ones a database has not seen yet. */
export const MIGRATIONS = [
  UsersAndBusinesses1763800000000,
  Clusters1763800100000,
  Applications1763800200000,
  Deployments1763800300000,
  Packages1764600000000,
];
