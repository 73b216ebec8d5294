import { DomainError, ErrorKind } from '../common/errors';
import type { Manifest } from './registry-client';

/** How often a tag that should stay is pointed back at its manifest before the delete reports failure. */
const RETAG_ATTEMPTS = 3;

/**
 * Points the tags that stay back at their manifest after its delete took them along (the registry
 * deletes manifests, not tags). Every one is tried, each up to RETAG_ATTEMPTS times, before anything is
 * reported: a registry that failed one PUT must not cost the others their tags. What still failed is
 * named, so that it can be pushed again.
 */
export async function retag(
  imageName: string,
  survivors: [string, Manifest][],
  put: (tag: string, manifest: Manifest) => Promise<void>,
): Promise<void> {
  let pending = survivors;
  for (let attempt = 1; attempt <= RETAG_ATTEMPTS && pending.length > 0; attempt++) {
    const failed: [string, Manifest][] = [];
    for (const [tag, manifest] of pending) await put(tag, manifest).catch(() => failed.push([tag, manifest]));
    pending = failed;
  }
  if (pending.length > 0)
    throw new DomainError(
      ErrorKind.Unavailable,
      `the image registry failed to keep tag ${pending.map(([tag]) => tag).join(', ')} of ${imageName}: push it again`,
    );
}
