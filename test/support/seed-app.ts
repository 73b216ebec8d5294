/**
 * The seed's example application (seed 002, `POST /v1/app`) as the client sends it: CPU in percent of
 * a core, memory in MiB. Without `GPU`, which the seed leaves to its default; a fresh copy each call.
 */
export const seedApp = () => ({
  appName: 'nginx1',
  deployType: 'deployment' as const,
  image: 'nginx:latest',
  version: '1.2',
  replicas: 10,
  port: [{ port: 8080, hostPort: 9090 }],
  command: '',
  volume: [{ path: '/host/usr/bin', hostPath: '/usr/bin', readOnly: true }],
  env: [{ name: 'NGINX_PATH', value: '/usr/share/nginx/' }],
  minReplicas: 2,
  maxReplicas: 20,
  minCPU: 10,
  maxCPU: 200,
  isHPA: true,
  targetCPUUtilization: 100,
  targetMemUtilization: 150,
  minMemory: 100,
  maxMemory: 200,
  maxUnavailable: 1,
  maxSurge: 1,
  minReadySeconds: 10,
});
