// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Typed client for the jupyterlab-apk REST API.
 *
 * One function per endpoint, all going through `requestAPI`, which uses
 * `ServerConnection.makeRequest` so that Jupyter's token and XSRF handling apply.
 */

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * The URL segment, below the server's base URL, that all routes live under.
 */
export const API_NAMESPACE = 'jupyterlab-apk';

/**
 * A package as listed by `GET packages`.
 */
export interface IPackage {
  /**
   * The apk package name, e.g. `py3-numpy`.
   */
  name: string;
  /**
   * The newest version available in the configured repositories.
   */
  version: string;
  /**
   * The one-line description from the index.
   */
  description: string;
  /**
   * Download size in bytes.
   */
  size: number;
  /**
   * Size on disk once installed, in bytes.
   */
  installed_size: number;
  /**
   * The installed version, or `null` when the package is not installed.
   */
  installed_version: string | null;
  /**
   * Whether a newer version than the installed one is available.
   */
  upgradable: boolean;
  /**
   * The Python minor version the package is built for (`"3.12"`), or `null`
   * when it is not a Python package.
   */
  python: string | null;
  /**
   * The URL of the repository that provides the package.
   */
  repository: string;
  /**
   * The origin (source package) name.
   */
  origin: string;
  /**
   * The license expression from the index.
   */
  license: string;
  /**
   * The upstream project URL.
   */
  url: string;
}

/**
 * A package as returned by `GET packages/<name>`.
 */
export interface IPackageDetails extends IPackage {
  /**
   * The package's dependencies, as apk dependency strings.
   */
  depends: string[];
  /**
   * What the package provides (`so:`, `cmd:`, `py3.12:` …).
   */
  provides: string[];
  /**
   * The Python modules the package makes importable.
   */
  modules: string[];
}

/**
 * One page of `GET packages`.
 */
export interface IPackageList {
  /**
   * How many packages match the query, over all pages.
   */
  total: number;
  /**
   * The packages of the requested page.
   */
  packages: IPackage[];
}

/**
 * The state of one configured repository.
 */
export interface IRepository {
  /**
   * The repository URL as configured.
   */
  url: string;
  /**
   * `ok`: read and verified; `stale`: the last good copy is in use because
   * re-reading failed; `untrusted`: the index signature could not be verified;
   * `error`: the repository could not be read at all.
   */
  status: IRepository.Status;
  /**
   * Why the repository is not `ok`, or `null`.
   */
  message: string | null;
  /**
   * How many packages the repository contributes.
   */
  packages: number;
  /**
   * When the index was last read successfully (ISO 8601), or `null`.
   */
  refreshed: string | null;
}

/**
 * The namespace for `IRepository` statics.
 */
export namespace IRepository {
  /**
   * The status of a repository.
   */
  export type Status = 'ok' | 'stale' | 'untrusted' | 'error';
}

/**
 * The server's `GET settings` reply.
 */
export interface IServerSettings {
  /**
   * The server extension's version; it should equal the frontend's.
   */
  version: string;
  /**
   * Whether installs go to a sandbox root instead of the system.
   */
  demo_mode: boolean;
  /**
   * An extra message from the administrator about demo mode, or `null`.
   */
  demo_message: string | null;
  /**
   * The architecture whose packages are listed, e.g. `x86_64`.
   */
  arch: string;
  /**
   * The configured repository URLs, in order.
   */
  repositories: string[];
  /**
   * Whether the administrator lets users remove packages; `POST jobs` answers
   * 403 to a removal when it is `false`.
   */
  allow_remove: boolean;
  /**
   * The system root apk manages (`/` unless the server runs a sandbox).
   */
  root?: string;
  /**
   * Whether packages of indexes whose signature cannot be verified are listed.
   */
  allow_untrusted?: boolean;
  /**
   * Whether users may add repositories of their own (within the policy).
   */
  allow_user_repositories?: boolean;
  /**
   * The administrator's repository policy, which bounds `PUT repositories`.
   */
  policy?: IRepositoryPolicy;
}

/**
 * The administrator's repository policy, as `GET settings` reports it.
 *
 * #### Notes
 * The server checks every `PUT repositories` against it; the frontend only
 * uses it to explain, before saving, what the server will refuse.
 */
export interface IRepositoryPolicy {
  /**
   * The administrator's repositories, in order: always allowed, used unless
   * the user chose otherwise.
   */
  repositories: string[];
  /**
   * What users may add when `allow_user_repositories` is on: exact URLs, or
   * prefixes ending in `/` (everything below them).
   */
  allowed_repositories: string[];
  /**
   * Whether users may add repositories that are not the administrator's.
   */
  allow_user_repositories: boolean;
}

/**
 * The sort orders `GET packages` accepts; a leading `-` reverses.
 */
export type PackageSort =
  'name' | '-name' | 'size' | '-size' | 'installed_size' | '-installed_size';

/**
 * The query of `GET packages`.
 *
 * #### Notes
 * Boolean filters left `undefined` are not sent, which means "no filter".
 */
export interface IPackageQuery {
  /**
   * Free text searched in names and descriptions.
   */
  q?: string;
  /**
   * Only Python packages (`true`) or only non-Python ones (`false`).
   */
  python?: boolean;
  /**
   * Only installed (`true`) or only not installed (`false`) packages.
   */
  installed?: boolean;
  /**
   * Only packages with an available upgrade.
   */
  upgradable?: boolean;
  /**
   * Index of the first package of the page.
   */
  offset?: number;
  /**
   * Page size; the server caps it at 500.
   */
  limit?: number;
  /**
   * Sort order.
   */
  sort?: PackageSort;
}

/**
 * Build the endpoint (path and query string) of a `GET packages` request.
 *
 * @param query The query; empty strings and `undefined` values are left out.
 *
 * @returns The endpoint relative to the API namespace, e.g. `packages?q=numpy&python=true`.
 */
export function packagesEndpoint(query: IPackageQuery = {}): string {
  const params = new URLSearchParams();
  if (query.q) {
    params.set('q', query.q);
  }
  for (const key of ['python', 'installed', 'upgradable'] as const) {
    const value = query[key];
    if (value !== undefined) {
      params.set(key, value ? 'true' : 'false');
    }
  }
  if (query.offset !== undefined) {
    params.set('offset', String(query.offset));
  }
  if (query.limit !== undefined) {
    params.set('limit', String(query.limit));
  }
  if (query.sort) {
    params.set('sort', query.sort);
  }
  const search = params.toString();
  return search ? `packages?${search}` : 'packages';
}

/**
 * Call the server extension's REST API.
 *
 * @param endPoint The path below `<baseUrl>/jupyterlab-apk/`, with any query string.
 * @param init Initial values for the request (method, body, abort signal …).
 * @param settings The server settings; defaults to `ServerConnection.makeSettings()`.
 *
 * @returns The parsed JSON body, or `undefined` when the body is empty.
 *
 * @throws `ServerConnection.NetworkError` when the server cannot be reached, and
 * `ServerConnection.ResponseError` carrying the server's `message` for any non-2xx reply.
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const { response, text, data } = await Private.request(
    endPoint,
    init,
    settings
  );
  if (text.length > 0 && data === undefined) {
    throw new ServerConnection.ResponseError(
      response,
      `Invalid JSON in the reply to ${endPoint}`
    );
  }
  return data as T;
}

/**
 * Call the server and return the reply's text and headers (for the routes that
 * answer with a file rather than JSON); errors as `requestAPI` throws them.
 */
export async function requestText(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<{ text: string; headers: Headers }> {
  const { response, text } = await Private.request(endPoint, init, settings);
  return { text, headers: response.headers };
}

namespace Private {
  /**
   * The reply's text and, if it is JSON, its value; a ResponseError carrying
   * the server's message for any non-2xx reply.
   */
  export async function request(
    endPoint: string,
    init: RequestInit,
    settings: ServerConnection.ISettings
  ): Promise<{ response: Response; text: string; data: any }> {
    const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
    // makeRequest already wraps fetch failures (including aborts) in NetworkError.
    const response = await ServerConnection.makeRequest(url, init, settings);
    const text = await response.text();
    let data: any = undefined;
    try {
      data = text.length > 0 ? JSON.parse(text) : undefined;
    } catch (error) {
      // Not JSON: a file, or a proxy's or tornado's default error page.
    }
    if (!response.ok) {
      const message =
        data && typeof data.message === 'string' && data.message
          ? data.message
          : `${response.status} ${response.statusText}`.trim();
      throw new ServerConnection.ResponseError(
        response,
        message,
        data && typeof data.traceback === 'string' ? data.traceback : ''
      );
    }
    return { response, text, data };
  }
}

/**
 * A request failure as a message for the user.
 *
 * @param reason What `requestAPI` (or a caller) threw.
 * @param trans The bundle the message is translated with.
 * @param routeExpected Whether a 404 can only mean that the server extension's
 * route is missing (true for the fixed routes; a job or package may be gone).
 */
export function describeRequestError(
  reason: unknown,
  trans: TranslationBundle,
  routeExpected = false
): string {
  if (reason instanceof ServerConnection.NetworkError) {
    return trans.__('Cannot reach the Jupyter server: %1', reason.message);
  }
  if (
    routeExpected &&
    reason instanceof ServerConnection.ResponseError &&
    reason.response.status === 404
  ) {
    return trans.__(
      'The jupyterlab-apk server extension did not answer (%1). Is it installed and enabled?',
      reason.message
    );
  }
  if (reason instanceof Error) {
    return reason.message;
  }
  return String(reason);
}

/**
 * Fetch the server's version and mode (`GET settings`).
 */
export function getServerSettings(
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IServerSettings> {
  return requestAPI<IServerSettings>('settings', init, settings);
}

/**
 * Fetch one page of packages (`GET packages`).
 */
export function listPackages(
  query: IPackageQuery,
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IPackageList> {
  return requestAPI<IPackageList>(packagesEndpoint(query), init, settings);
}

/**
 * Fetch one package with its dependencies, provides and modules (`GET packages/<name>`).
 */
export function getPackage(
  name: string,
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IPackageDetails> {
  return requestAPI<IPackageDetails>(
    `packages/${encodeURIComponent(name)}`,
    init,
    settings
  );
}

/**
 * Fetch the state of the configured repositories (`GET repositories`).
 */
export function listRepositories(
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IRepository[]> {
  return requestAPI<IRepository[]>('repositories', init, settings);
}

/**
 * Ask the server to re-read every repository (`POST refresh`).
 *
 * @returns The repositories' state after re-reading.
 */
export function refreshRepositories(
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IRepository[]> {
  return requestAPI<IRepository[]>(
    'refresh',
    { ...init, method: 'POST' },
    settings
  );
}

/**
 * Use the user's repositories, in order, instead of the administrator's
 * (`PUT repositories`); the server re-reads them before answering.
 *
 * @param repositories The repository URLs to use, in apk's order.
 *
 * @returns The repositories' state after re-reading.
 *
 * @throws `ResponseError` 400 for a malformed URL and 403 for one outside the
 * administrator's policy, with the server's explanation as its message.
 */
export function putRepositories(
  repositories: string[],
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IRepository[]> {
  return requestAPI<IRepository[]>(
    'repositories',
    { ...init, method: 'PUT', body: JSON.stringify({ repositories }) },
    settings
  );
}

/**
 * What a job asks apk to do.
 */
export type JobAction = 'install' | 'upgrade' | 'remove';

/**
 * One step of a job's plan, as apk printed it.
 */
export interface IPlanStep {
  /**
   * `install`, `upgrade`, `downgrade`, `reinstall`, `replace` or `remove`.
   */
  action: string;
  /**
   * The package name.
   */
  name: string;
  /**
   * The version after the step (before it, for a removal).
   */
  version: string;
  /**
   * The version before an upgrade, downgrade or replacement, else `null`.
   */
  old_version: string | null;
}

/**
 * What apk will do (from a simulation) or did.
 */
export interface IJobPlan {
  /**
   * The steps, in apk's order.
   */
  steps: IPlanStep[];
  /**
   * Bytes to download for the packages the plan adds or upgrades.
   */
  download_size: number;
  /**
   * Bytes on disk of the packages the plan adds or upgrades.
   */
  installed_size: number;
}

/**
 * A job of the server's install queue (`GET jobs/<id>`).
 */
export interface IJob {
  /**
   * The job id (16 hexadecimal digits).
   */
  id: string;
  /**
   * What the job asks apk to do.
   */
  action: JobAction;
  /**
   * The package names (or `name=version`) as requested.
   */
  packages: string[];
  /**
   * Whether the job only simulates (`apk add --simulate`) to fill `plan`.
   */
  preview: boolean;
  /**
   * Where the job is: `queued` and `running` change, the others are final.
   */
  state: IJob.State;
  /**
   * What apk will do or did, once known.
   */
  plan: IJobPlan | null;
  /**
   * The fraction done, from 0 to 1.
   */
  progress: number;
  /**
   * apk's output from the requested `log_offset` on.
   */
  log: string;
  /**
   * The length of the whole log, in the server's characters.
   */
  log_length: number;
  /**
   * apk's exit status, once it ended.
   */
  exit_code: number | null;
  /**
   * A sentence for people saying what went wrong, or `null`.
   */
  error: string | null;
  /**
   * Each problem apk reported, explained.
   */
  problems: IJob.IProblem[];
  /**
   * What changed: `name-version` for installed or upgraded packages,
   * `name (removed)` for removed ones.
   */
  installed: string[];
  /**
   * Who submitted the job.
   */
  user: string;
  /**
   * When the job was queued (ISO 8601).
   */
  created: string;
  /**
   * When apk started (ISO 8601), or `null`.
   */
  started: string | null;
  /**
   * When the job ended (ISO 8601), or `null`.
   */
  finished: string | null;
  /**
   * Bumped on every change; long-polls wait for a newer one.
   */
  revision: number;
}

/**
 * The namespace for `IJob` statics.
 */
export namespace IJob {
  /**
   * The state of a job.
   */
  export type State =
    'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'timed-out';

  /**
   * One problem apk reported.
   */
  export interface IProblem {
    /**
     * A stable identifier of the kind of problem (`locked`, `no-such-package` …).
     */
    kind: string;
    /**
     * The explanation for people.
     */
    message: string;
  }
}

/**
 * The states after which a job never changes again.
 */
export const TERMINAL_JOB_STATES: ReadonlyArray<IJob.State> = [
  'done',
  'failed',
  'cancelled',
  'timed-out'
];

/**
 * Whether a job state is final.
 */
export function isTerminalState(state: string): boolean {
  return TERMINAL_JOB_STATES.indexOf(state as IJob.State) !== -1;
}

/**
 * The body of `POST jobs`.
 */
export interface IJobRequest {
  /**
   * What to do.
   */
  action: JobAction;
  /**
   * The packages to do it to.
   */
  packages: string[];
  /**
   * Only simulate, to learn the plan.
   */
  preview?: boolean;
}

/**
 * The query of a `GET jobs/<id>` request.
 */
export interface IJobQuery {
  /**
   * Return the log from this character on (the server's count).
   */
  logOffset?: number;
  /**
   * With `wait`: hold the answer until the job's revision passes this one.
   */
  since?: number;
  /**
   * How long the server may hold the answer, in seconds (at most 30).
   */
  wait?: number;
}

/**
 * Build the endpoint of a `GET jobs/<id>` request.
 */
export function jobEndpoint(id: string, query: IJobQuery = {}): string {
  const params = new URLSearchParams();
  if (query.logOffset !== undefined) {
    params.set('log_offset', String(query.logOffset));
  }
  if (query.since !== undefined && query.wait !== undefined) {
    params.set('since', String(query.since));
    params.set('wait', String(query.wait));
  }
  const search = params.toString();
  const path = `jobs/${encodeURIComponent(id)}`;
  return search ? `${path}?${search}` : path;
}

/**
 * Queue a job (`POST jobs`).
 *
 * @returns The queued job (with its log from the start).
 *
 * @throws `ResponseError` 400 for invalid names, 403 when the administrator
 * forbids the action, 429 when the queue is full.
 */
export function submitJob(
  request: IJobRequest,
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IJob> {
  return requestAPI<IJob>(
    'jobs',
    {
      ...init,
      method: 'POST',
      body: JSON.stringify({ preview: false, ...request })
    },
    settings
  );
}

/**
 * List the recent jobs, newest first, without their logs (`GET jobs`).
 */
export function listJobs(
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IJob[]> {
  return requestAPI<IJob[]>('jobs', init, settings);
}

/**
 * Fetch one job (`GET jobs/<id>`), optionally long-polling for a change.
 */
export function getJob(
  id: string,
  query: IJobQuery = {},
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IJob> {
  return requestAPI<IJob>(jobEndpoint(id, query), init, settings);
}

/**
 * Cancel a queued or running job (`DELETE jobs/<id>`).
 *
 * @returns The job as it is after the request (a running job ends shortly after).
 */
export function cancelJob(
  id: string,
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IJob> {
  return requestAPI<IJob>(
    `jobs/${encodeURIComponent(id)}`,
    { ...init, method: 'DELETE' },
    settings
  );
}

/**
 * Where the server routes each requirement for a kernel (`POST resolve`).
 */
export interface IResolveReply {
  /**
   * One decision per requirement, in order.
   */
  decisions: IDecision[];
}

/**
 * One requirement's route, with the reason shown to the user.
 */
export interface IDecision {
  requirement: string;
  route: 'apk' | 'pip';
  package: string | null;
  version: string | null;
  reason: string;
}

/**
 * Ask the server which pip requirements a prebuilt apk satisfies for a kernel.
 *
 * @param requirements The requirements, as pip receives them.
 * @param kernel The kernelspec name of the kernel that will import them.
 * @param overrides The user's pip name → apk package choices.
 */
export function resolveRequirements(
  requirements: string[],
  kernel: string,
  overrides: Record<string, string> = {},
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IResolveReply> {
  return requestAPI<IResolveReply>(
    'resolve',
    {
      method: 'POST',
      body: JSON.stringify({ requirements, kernel, overrides }),
      signal
    },
    settings
  );
}
