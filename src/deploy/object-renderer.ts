import { Injectable } from '@nestjs/common';
import type { JsonObject } from '../common/json';
import type { KubernetesObject } from '@kubernetes/client-node';
import { AppVersion } from '../app/app-version';
import { ChartMetadata } from '../chart/chart-archive';
import { ChartService } from '../chart/chart.service';
import { INSTANCE_LABEL, renderWorkload, VERSION_LABEL, WorkloadTarget } from './workload';

/** Where and how one application version runs: the deployment's name, namespace, node label and values. */
export interface RenderTarget extends WorkloadTarget {
  values: JsonObject;
}

/**
 * The one place the deploy side asks "which objects does this version become here": a plain
 * application's workload (workload.ts), or a chart application's rendered, checked objects. A refused
 * chart throws ChartArchiveError (permanent: the same input renders the same way every time).
 */
@Injectable()
export class ObjectRenderer {
  constructor(private readonly charts: ChartService) {}

  async render(app: AppVersion, target: RenderTarget): Promise<KubernetesObject[]> {
    if (app.deployType !== 'chart') return renderWorkload(app, target);
    return this.charts.objectsFor(app, {
      releaseName: target.deployName,
      namespace: target.namespace,
      values: target.values,
      // Status reading selects pods by instance and counts those of the version being rolled out.
      labels: {
        [INSTANCE_LABEL]: target.deployName,
        [VERSION_LABEL]: app.version,
        'app.kubernetes.io/managed-by': 'ote-stack',
      },
    });
  }

  /** The chart behind a chart application version, null for the others (which have no Helm release). */
  chartOf(app: AppVersion): Promise<ChartMetadata> | null {
    return app.deployType === 'chart' ? this.charts.metadataOf(app) : null;
  }
}
