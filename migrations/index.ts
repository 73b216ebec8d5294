import { UsersAndBusinesses1763800000000 } from './1763800000000-users-and-businesses';
import { Clusters1763800100000 } from './1763800100000-clusters';

/** Every migration, oldest first; TypeORM runs the ones a database has not seen yet. */
export const MIGRATIONS = [UsersAndBusinesses1763800000000, Clusters1763800100000];
