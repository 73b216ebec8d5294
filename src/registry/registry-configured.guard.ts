import { CanActivate, Injectable } from '@nestjs/common';
import { RegistryService } from './registry.service';

/**
 * SPEC §11: without `REGISTRY_URL` the registry's routes answer 503 saying so, whatever the request:
 * a guard runs before the validation pipe, so a request that would be refused anyway learns first that
 * there is no registry at all.
 */
@Injectable()
export class RegistryConfiguredGuard implements CanActivate {
  constructor(private readonly registry: RegistryService) {}

  canActivate(): boolean {
    this.registry.requireRegistry();
    return true;
  }
}
