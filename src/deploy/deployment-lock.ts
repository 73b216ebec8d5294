import type { EntityManager } from 'typeorm';
import { DeploymentEntity } from './deploy.entity';

/**
 * A deployment's row, read and locked until the transaction ends by every command and reconciliation that
 * changes the deployment or its placements (the roll-up takes the same lock in its own statement).
 * FOR NO KEY UPDATE, the lock an UPDATE of the row takes: they take turns, while the foreign-key checks of
 * rows written meanwhile that refer to the deployment (FOR KEY SHARE) go on. FOR UPDATE would deadlock a
 * placement's move, which inserts its software deployment record (a foreign-key check on the deployment)
 * while it holds the placement's row, with a command that holds the deployment and writes that placement.
 */
export function lockedDeployment(manager: EntityManager, id: number): Promise<DeploymentEntity | null> {
  return manager
    .getRepository(DeploymentEntity)
    .findOne({ where: { id }, lock: { mode: 'for_no_key_update' } });
}
