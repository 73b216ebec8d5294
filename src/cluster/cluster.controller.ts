import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../common/auth/actor';
import { Roles } from '../common/auth/decorators';
import { Role } from '../common/auth/principal';
import { UnlimitedPageQuery } from '../common/paging';
import { ClusterLabelService } from './cluster-label.service';
import { ClusterService } from './cluster.service';
import {
  ClusterLabelDto,
  ClusterListQuery,
  DeleteNodeLabelDto,
  NodeLabelDto,
  NodeLabelListQuery,
  NodeListQuery,
  RemoveClusterQuery,
  RegisterClusterDto,
} from './dto';
import { NodeService } from './node.service';

const READERS = [Role.GeneralUser, Role.BusinessAdmin, Role.SystemAdmin];

@ApiTags('clusters')
@ApiSecurity('token')
@Controller('v1/cluster')
export class ClusterController {
  constructor(
    private readonly clusters: ClusterService,
    private readonly labels: ClusterLabelService,
  ) {}

  @Roles(Role.SystemAdmin)
  @Post()
  @HttpCode(200)
  async register(@CurrentActor() actor: Actor, @Body() dto: RegisterClusterDto) {
    await this.clusters.register(actor, dto);
  }

  @Roles(...READERS)
  @Get()
  list(@Query() query: ClusterListQuery) {
    return this.clusters.list(query);
  }

  @Roles(Role.SystemAdmin)
  @Post('label')
  @HttpCode(200)
  async addLabel(@Body() dto: ClusterLabelDto) {
    await this.labels.add(dto);
  }

  @Roles(Role.SystemAdmin)
  @Delete('label')
  async removeLabel(@Body() dto: ClusterLabelDto) {
    await this.labels.remove(dto);
  }

  @Roles(...READERS)
  @Get('label')
  async labelNames() {
    return { data: await this.labels.names() };
  }

  @Roles(...READERS)
  @Get('label/:clusterName')
  labelsOf(@Param('clusterName') clusterName: string, @Query() query: UnlimitedPageQuery) {
    return this.labels.ofCluster(clusterName, query);
  }

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
@ApiSecurity('token')
@Controller('v1/node')
export class NodeController {
  constructor(private readonly nodes: NodeService) {}

  @Roles(...READERS)
  @Get()
  list(@Query() query: NodeListQuery) {
    return this.nodes.list(query);
  }

  @Roles(Role.SystemAdmin)
  @Post('label')
  @HttpCode(200)
  async addLabel(@Body() dto: NodeLabelDto) {
    await this.nodes.addLabel(dto);
  }

  @Roles(Role.SystemAdmin)
  @Delete('label')
  async removeLabel(@Body() dto: DeleteNodeLabelDto) {
    await this.nodes.removeLabel(dto);
  }

  @Roles(...READERS)
  @Get('label')
  async labelNames(@Query() query: NodeLabelListQuery) {
    return { data: await this.nodes.labelNames(query.clusterName) };
  }
}
