/**
 * The console's only way to the server: our own /v1 API, with the token the login returned. Errors
 * carry the server's own message (the API's `{code, message}` body), which the pages show as is.
 */
const TOKEN_KEY = 'ote-console-token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: a proxy's page or an empty answer; the status says enough.
  }
  if (!response.ok) {
    const message = (parsed as { message?: string } | undefined)?.message ?? `HTTP ${response.status}`;
    if (response.status === 401) session.token = null;
    throw new ApiError(response.status, message);
  }
  return parsed as T;
}

export interface Envelope<T> {
  code: number;
  message: string;
  data: T;
  total?: number;
}

export const get = <T>(path: string) => call<Envelope<T>>('GET', path);
export const send = <T = unknown>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) =>
  call<Envelope<T>>(method, path, body);

/** Roles as GET /v1/authorization reports them (SPEC §2). */
export enum Role {
  Pending = 0,
  Approved = 1,
  GeneralUser = 2,
  BusinessAdmin = 3,
  SystemAdmin = 4,
}

export interface Me {
  displayName: string;
  role: Role;
  hasRepoAccount: boolean;
  enableAdminAutoDeploy: boolean;
}

export interface UserRow {
  id: number;
  user: string;
  realName: string;
  phone: string;
  isAdmin: boolean;
  status: number;
  businessName?: string;
  createTime: number;
}

export interface BusinessRow {
  id: number;
  name: string;
  introduce: string;
  objective: string;
  scale: string;
  userId: number;
  comment: string;
  status: number;
  createTime: number;
}

export interface DeployRequestRow {
  id: number;
  deployName: string;
  appName: string;
  version: string;
  deployType: number;
  businessName?: string;
  userName?: string;
  cluster?: string;
  nodeLabel?: string;
  comment: string;
  status: number;
  auditComment?: string;
  createTime: number;
  diff?: string;
  [key: string]: unknown;
}

export interface PlacementRow {
  clusterName: string;
  status: string;
  running: number;
  error: number;
  total: number;
  message: string;
  since: number;
}

export interface DeploymentRow {
  id: number;
  deployName: string;
  appName: string;
  version: string;
  cluster: string;
  nodeLabel: string;
  deployType: number;
  status: number;
  errorMessage: string;
  editable: boolean;
  createTime: number;
  updateTime: number;
  clusters?: PlacementRow[];
  historyVersion?: { version: string; createTime?: number; updateTime?: number }[];
}

export interface ClusterRow {
  clusterName: string;
  clusterId: string;
  nodeCount: number;
  isReady: boolean;
  simulated?: boolean;
}

export interface NodeRow {
  nodeName: string;
  clusterName: string;
  operatingSystem: string;
  kernelVersion: string;
  ip: string;
  cpu: number;
  memory: number;
  disk: number;
  gpu: number;
  isReady: boolean;
}

export interface AppRow {
  appId?: number;
  id?: number;
  appName: string;
  version: string;
  deployType: string;
  image: string;
  status: number;
  statusDetail?: string;
  [key: string]: unknown;
}

export interface SoftwareDeploymentRow {
  id: string;
  server_id: string;
  config_id: string;
  action: string;
  status: string;
  status_reason: string;
  creation_time: string;
  output_values?: { deploy_stdout?: string; deploy_stderr?: string; deploy_status_code?: number };
}
