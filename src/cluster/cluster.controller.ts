import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../common/auth/actor';
import { ApiEnvelope, ApiErrors } from '../common/openapi';
import { Roles } from '../common/auth/decorators';
import { Role } from '../common/auth/principal';
import { UnlimitedPageQuery } from '../common/paging';
import { ClusterLabelService } from './cluster-label.service';
import { ClusterService } from './cluster.service';
import {
  ClusterLabelDto,
  ClusterLabelView,
  ClusterListQuery,
  ClusterView,
  DeleteNodeLabelDto,
  NodeLabelDto,
  NodeLabelListQuery,
  NodeListMeta,
  NodeListQuery,
  NodeView,
  RegisterClusterDto,
  RemoveClusterQuery,
} from './dto';
import { NodeService } from './node.service';

const READERS = [Role.GeneralUser, Role.BusinessAdmin, Role.SystemAdmin];

/** The label lists are not paged: all of them in `data`, and (SPEC §1) their number in `total`. */
const LABEL_COUNT = { type: 'integer', description: 'the number of labels listed' } as const;
const listed = (data: string[]) => ({ data, total: data.length });

@ApiTags('clusters')
@Controller('v1/cluster')
export class ClusterController {
  constructor(
    private readonly clusters: ClusterService,
    private readonly labels: ClusterLabelService,
  ) {}

  @ApiOperation({ summary: 'Register an edge cluster by its kubeconfig' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY, HttpStatus.SERVICE_UNAVAILABLE)
  @Roles(Role.SystemAdmin)
  @Post()
  @HttpCode(200)
  async register(@CurrentActor() actor: Actor, @Body() dto: RegisterClusterDto) {
    await this.clusters.register(actor, dto);
  }

  @ApiOperation({ summary: 'List edge clusters, all or those with a label' })
  @ApiEnvelope({ data: [ClusterView], paged: true })
  @ApiErrors(HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...READERS)
  @Get()
  list(@Query() query: ClusterListQuery) {
    return this.clusters.list(query);
  }

  @ApiOperation({ summary: 'Label clusters' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(Role.SystemAdmin)
  @Post('label')
  @HttpCode(200)
  async addLabel(@Body() dto: ClusterLabelDto) {
    await this.labels.add(dto);
  }

  @ApiOperation({ summary: 'Remove a label from clusters' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(Role.SystemAdmin)
  @Delete('label')
  async removeLabel(@Body() dto: ClusterLabelDto) {
    await this.labels.remove(dto);
  }

  @ApiOperation({ summary: 'The cluster labels in use' })
  @ApiEnvelope({
    data: { type: 'array', items: { type: 'string' } },
    fields: { total: LABEL_COUNT },
    example: { code: 200, message: 'success', data: ['label1', 'label2'], total: 2 },
  })
  @Roles(...READERS)
  @Get('label')
  async labelNames() {
    return listed(await this.labels.names());
  }

  @ApiOperation({ summary: 'The labels of one cluster' })
  @ApiEnvelope({ data: [ClusterLabelView], paged: true })
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...READERS)
  @Get('label/:clusterName')
  labelsOf(@Param('clusterName') clusterName: string, @Query() query: UnlimitedPageQuery) {
    return this.labels.ofCluster(clusterName, query);
  }

  @ApiOperation({
    summary: 'Unregister a cluster no live deployment is placed on, or with force=true forget its placements',
  })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT)
  @Roles(Role.SystemAdmin)
  @Delete(':clusterName')
  async remove(
    @CurrentActor() actor: Actor,
    @Param('clusterName') clusterName: string,
    @Query() query: RemoveClusterQuery,
  ) {
    await this.clusters.remove(actor, clusterName, query.force === 'true');
  }
}

@ApiTags('nodes')
@Controller('v1/node')
export class NodeController {
  constructor(private readonly nodes: NodeService) {}

  @ApiOperation({ summary: 'List nodes with capacity and readiness' })
  @ApiEnvelope({ data: [NodeView], paged: true, fields: { meta: NodeListMeta } })
  @ApiErrors(HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...READERS)
  @Get()
  list(@Query() query: NodeListQuery) {
    return this.nodes.list(query);
  }

  @ApiOperation({ summary: 'Label nodes of a cluster' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY, HttpStatus.SERVICE_UNAVAILABLE)
  @Roles(Role.SystemAdmin)
  @Post('label')
  @HttpCode(200)
  async addLabel(@Body() dto: NodeLabelDto) {
    await this.nodes.addLabel(dto);
  }

  @ApiOperation({ summary: 'Remove a label from nodes, optionally with the deployments that target it' })
  @ApiEnvelope()
  @ApiErrors(
    HttpStatus.NOT_FOUND,
    HttpStatus.CONFLICT,
    HttpStatus.UNPROCESSABLE_ENTITY,
    HttpStatus.SERVICE_UNAVAILABLE,
  )
  @Roles(Role.SystemAdmin)
  @Delete('label')
  async removeLabel(@Body() dto: DeleteNodeLabelDto) {
    await this.nodes.removeLabel(dto);
  }

  @ApiOperation({ summary: 'The node labels in use, in one cluster or in all' })
  @ApiEnvelope({ data: { type: 'array', items: { type: 'string' } }, fields: { total: LABEL_COUNT } })
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...READERS)
  @Get('label')
  async labelNames(@Query() query: NodeLabelListQuery) {
    return listed(await this.nodes.labelNames(query.clusterName));
  }
}
