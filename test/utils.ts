// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Test doubles shared by the specs: a fake catalog and a `CatalogModel`
 * whose protected fetch methods are served from it.
 */

import { ServerConnection } from '@jupyterlab/services';

import {
  IDecision,
  IJobPlan,
  IJob,
  IPackage,
  IPackageDetails,
  IPackageList,
  IPackageQuery,
  IRepository,
  IResolveReply,
  IServerInfo,
  JobKind
} from '../src/api';
import { CatalogModel } from '../src/catalog/model';
import { isActiveState } from '../src/jobs/model';

/**
 * A promise with its resolve and reject functions.
 */
export interface IDeferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

/**
 * Create a promise to settle later.
 */
export function deferred<T>(): IDeferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Wait for a number of milliseconds.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Wait until `predicate` holds, failing after `timeout` milliseconds.
 */
export async function waitFor(
  predicate: () => boolean,
  timeout = 5000
): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeout) {
      throw new Error(`Condition not met within ${timeout} ms: ${predicate}`);
    }
    await sleep(5);
  }
}

/**
 * Make one package; every third is a Python package, every fifth is installed
 * and every tenth is upgradable.
 */
export function makePackage(index: number, prefix = 'pkg'): IPackage {
  const name = `${prefix}-${String(index).padStart(3, '0')}`;
  const installed = index % 5 === 0;
  const upgradable = index % 10 === 0;
  return {
    name,
    version: '1.2.3-r0',
    description: `Description of ${name}`,
    size: 1024 * (index + 1),
    installed_size: 4096 * (index + 1),
    installed_version: installed
      ? upgradable
        ? '1.2.2-r0'
        : '1.2.3-r0'
      : null,
    upgradable,
    python: index % 3 === 0 ? '3.12' : null,
    repository: 'https://example.invalid/alpine/v3.20/main',
    origin: name,
    license: 'MIT',
    url: `https://example.invalid/${name}`
  };
}

/**
 * Answer a `GET packages` query from a list, as the server would.
 */
export function answer(
  packages: ReadonlyArray<IPackage>,
  query: IPackageQuery
): IPackageList {
  const matching = packages.filter(
    pkg =>
      (!query.q || pkg.name.includes(query.q)) &&
      (query.python === undefined || (pkg.python !== null) === query.python) &&
      (query.installed === undefined ||
        (pkg.installed_version !== null) === query.installed) &&
      (query.upgradable === undefined || pkg.upgradable === query.upgradable)
  );
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 50;
  return {
    total: matching.length,
    packages: matching.slice(offset, offset + limit)
  };
}

/**
 * A `ResponseError` as `requestAPI` throws it for an HTTP error.
 */
export function responseError(
  status: number,
  message: string
): ServerConnection.ResponseError {
  const response = { status, statusText: '', ok: false } as Response;
  return new ServerConnection.ResponseError(response, message);
}

/**
 * A catalog model served from memory; each fetch can be replaced per test.
 */
export class TestModel extends CatalogModel {
  constructor(options: CatalogModel.IOptions = {}) {
    super({
      searchDelay: 10,
      serverSettings: ServerConnection.makeSettings({
        baseUrl: 'http://localhost/'
      }),
      ...options
    });
  }

  /**
   * The catalog the default handlers answer from.
   */
  catalog: IPackage[] = Array.from({ length: 120 }, (_, i) => makePackage(i));

  /**
   * The queries of every `fetchPackages` call, in order.
   */
  queries: IPackageQuery[] = [];

  /**
   * The abort signals of every `fetchPackages` call, in order.
   */
  signals: (AbortSignal | undefined)[] = [];

  /**
   * The names of every `fetchPackage` call, in order.
   */
  detailRequests: string[] = [];

  /**
   * How many times `postRefresh` was called.
   */
  refreshCount = 0;

  repositoriesList: IRepository[] = [
    {
      url: 'https://example.invalid/alpine/v3.20/main',
      status: 'ok',
      message: null,
      packages: 120,
      refreshed: '2026-01-01T00:00:00Z'
    }
  ];

  packagesHandler: (query: IPackageQuery) => Promise<IPackageList> = query =>
    Promise.resolve(answer(this.catalog, query));

  packageHandler: (name: string) => Promise<IPackageDetails> = name => {
    const pkg = this.catalog.find(item => item.name === name);
    if (!pkg) {
      return Promise.reject(responseError(404, `unknown package: ${name}`));
    }
    return Promise.resolve({
      ...pkg,
      depends: ['python3~3.12'],
      provides: [`py3.12:${name}`],
      modules: [name.replace(/-/g, '_')]
    });
  };

  repositoriesHandler: () => Promise<IRepository[]> = () =>
    Promise.resolve(this.repositoriesList);

  refreshHandler: () => Promise<IRepository[]> = () =>
    Promise.resolve(this.repositoriesList);

  settingsHandler: () => Promise<IServerInfo> = () =>
    Promise.resolve({
      version: '0.1.0',
      demo_mode: false,
      arch: 'x86_64',
      repositories: this.repositoriesList.map(repository => repository.url),
      allow_remove: true
    });

  protected fetchPackages(
    query: IPackageQuery,
    signal?: AbortSignal
  ): Promise<IPackageList> {
    this.queries.push(query);
    this.signals.push(signal);
    return this.packagesHandler(query);
  }

  protected fetchPackage(name: string): Promise<IPackageDetails> {
    this.detailRequests.push(name);
    return this.packageHandler(name);
  }

  protected fetchRepositories(): Promise<IRepository[]> {
    return this.repositoriesHandler();
  }

  protected postRefresh(): Promise<IRepository[]> {
    this.refreshCount++;
    return this.refreshHandler();
  }

  protected fetchServerSettings(): Promise<IServerInfo> {
    return this.settingsHandler();
  }
}

/**
 * A job of the fake server, with its whole log.
 */
interface IFakeJob extends IJob {
  fullLog: string;
}

/**
 * A fake of the server's job API (`jobs`, `jobs/<id>`, and `resolve` with
 * `install`) behind `ServerConnection.ISettings.fetch`: jobs only change when
 * a test says so, and long-polls are held until then, as the server holds them.
 */
export class FakeJobServer {
  /**
   * The server settings whose fetch this server answers.
   */
  readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings(
    {
      baseUrl: 'http://localhost/',
      fetch: (input: RequestInfo | URL) => this._fetch(input as Request)
    }
  );

  /**
   * Every request, in order (method and URL).
   */
  requests: { method: string; url: URL; body: string }[] = [];

  /**
   * While set, every request fails as when the server is gone.
   */
  down = false;

  /**
   * While set, long-polls are never answered (a proxy swallowing them).
   */
  hang = false;

  /**
   * How long a long-poll is held without a change, in milliseconds.
   */
  holdMs = 50;

  /**
   * Answer `POST jobs` with this status and message instead of queueing.
   */
  postError: { status: number; message: string } | null = null;

  /**
   * How `POST resolve` routes a requirement: to the apk `py3-<requirement>`
   * unless a test says otherwise.
   */
  decide: (requirement: string) => IDecision = requirement => ({
    requirement,
    route: 'apk',
    package: `py3-${requirement}`,
    version: '1.0-r0',
    reason: `${requirement} → py3-${requirement} 1.0-r0`
  });

  /**
   * The requests for one job's URL.
   */
  jobRequests(id: string): URL[] {
    return this.requests
      .filter(request => request.url.pathname.endsWith(`/jobs/${id}`))
      .map(request => request.url);
  }

  /**
   * Add a job as if another client had submitted it.
   */
  add(fields: Partial<IJob> & { action: JobKind; packages: string[] }): IJob {
    const id = (this._next++).toString(16).padStart(16, '0');
    const job: IFakeJob = {
      id,
      preview: false,
      state: 'queued',
      plan: null,
      progress: 0,
      log: '',
      log_length: 0,
      exit_code: null,
      error: null,
      problems: [],
      installed: [],
      user: 'tester',
      created: new Date(Date.UTC(2026, 0, 1, 0, 0, this._next)).toISOString(),
      started: null,
      finished: null,
      revision: 0,
      fullLog: fields.log ?? '',
      ...fields
    };
    job.log_length = job.fullLog.length;
    this._jobs.set(id, job);
    return this._view(job, 0);
  }

  /**
   * Change a job: apply `fields`, append to its log, bump its revision and
   * answer the long-polls waiting for it.
   */
  update(id: string, fields: Partial<IJob>, log = ''): void {
    const job = this._jobs.get(id)!;
    Object.assign(job, fields);
    job.fullLog += log;
    job.log_length = job.fullLog.length;
    job.revision++;
    this._wake(id);
  }

  /**
   * Wait until a long-poll for the job is held, then `update` it: the change
   * reaches the client as the answer to that long-poll.
   */
  async updateWhenHeld(
    id: string,
    fields: Partial<IJob>,
    log = ''
  ): Promise<void> {
    await waitFor(() => this.isHolding(id));
    this.update(id, fields, log);
  }

  /**
   * Drop a job, as if the server's history had been deleted.
   */
  forget(id: string): void {
    this._jobs.delete(id);
  }

  /**
   * A job as the server holds it.
   */
  job(id: string): IJob {
    return this._view(this._jobs.get(id)!, 0);
  }

  /**
   * Whether a long-poll for the job is being held now.
   */
  isHolding(id: string): boolean {
    return (this._waiters.get(id) ?? []).length > 0;
  }

  private async _fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = request.method === 'POST' ? await request.text() : '';
    this.requests.push({ method: request.method, url, body });
    if (this.down) {
      throw new TypeError('Failed to fetch');
    }
    const route = url.pathname.replace('/jupyterlab-apk/', '');
    if (route === 'jobs' && request.method === 'GET') {
      const jobs = Array.from(this._jobs.values())
        .reverse()
        .map(job => this._view(job, job.fullLog.length));
      return FakeJobServer._json(jobs);
    }
    if (route === 'jobs' && request.method === 'POST') {
      if (this.postError) {
        return FakeJobServer._json(
          { message: this.postError.message },
          this.postError.status
        );
      }
      const data = JSON.parse(body);
      const job = this.add({
        action: data.action,
        packages: data.packages,
        preview: data.preview
      });
      return FakeJobServer._json(job, 202);
    }
    if (route === 'resolve' && request.method === 'POST') {
      return FakeJobServer._json(this._resolve(JSON.parse(body)));
    }
    const match = /^jobs\/([0-9a-f]+)$/.exec(route);
    const job = match ? this._jobs.get(match[1]) : undefined;
    if (!job) {
      return FakeJobServer._json({ message: 'no such job' }, 404);
    }
    if (request.method === 'DELETE') {
      if (job.state === 'queued') {
        this.update(job.id, {
          state: 'cancelled',
          error: 'cancelled before it started'
        });
      }
      return FakeJobServer._json(this._view(job, job.fullLog.length));
    }
    const since = url.searchParams.get('since');
    const wait = url.searchParams.get('wait');
    if (since !== null && wait !== null && isActiveState(job.state)) {
      await this._hold(job, Number(since), request.signal);
    }
    const offset = Number(url.searchParams.get('log_offset') ?? 0);
    return FakeJobServer._json(this._view(job, offset));
  }

  /**
   * Decide, and with `install` queue one job for the apk part, as the server does.
   */
  private _resolve(request: {
    requirements: string[];
    install?: boolean;
  }): IResolveReply {
    const decisions = request.requirements.map(this.decide);
    if (!request.install) {
      return { decisions };
    }
    const packages = [
      ...new Set(
        decisions
          .filter(decision => decision.route === 'apk')
          .map(decision => decision.package!)
      )
    ];
    const job = packages.length
      ? this.add({ action: 'install', packages })
      : null;
    return { decisions, job };
  }

  private _hold(
    job: IFakeJob,
    since: number,
    signal: AbortSignal
  ): Promise<void> {
    if (job.revision > since) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiters = this._waiters.get(job.id) ?? [];
      const waiter = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        clearTimeout(timer);
        this._waiters.set(
          job.id,
          (this._waiters.get(job.id) ?? []).filter(item => item !== waiter)
        );
        reject(new DOMException('The operation was aborted.', 'AbortError'));
      };
      const timer = this.hang
        ? undefined
        : setTimeout(() => {
            this._waiters.set(
              job.id,
              (this._waiters.get(job.id) ?? []).filter(item => item !== waiter)
            );
            waiter();
          }, this.holdMs);
      signal.addEventListener('abort', abort);
      waiters.push(waiter);
      this._waiters.set(job.id, waiters);
    });
  }

  private _wake(id: string): void {
    const waiters = this._waiters.get(id) ?? [];
    this._waiters.delete(id);
    waiters.forEach(waiter => waiter());
  }

  private _view(job: IFakeJob, logOffset: number): IJob {
    const { fullLog, ...rest } = job;
    return { ...rest, log: fullLog.slice(logOffset) };
  }

  private static _json(body: unknown, status = 200): Response {
    return new Response(JSON.stringify(body), { status });
  }

  private _jobs = new Map<string, IFakeJob>();
  private _next = 1;
  private _waiters = new Map<string, (() => void)[]>();
}

/**
 * Server settings whose fetch records requests and answers with `reply`.
 */
export function fakeServer(reply: (request: Request) => Promise<Response>): {
  settings: ServerConnection.ISettings;
  requests: Request[];
} {
  const requests: Request[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/lab-base/',
    fetch: (input: RequestInfo | URL) => {
      const request = input as Request;
      requests.push(request);
      return reply(request);
    }
  });
  return { settings, requests };
}

export function json(body: unknown, status = 200): Promise<Response> {
  return Promise.resolve(
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' }
    })
  );
}

/**
 * Repositories in each state: ok, untrusted, error and stale.
 */
export const BROKEN_REPOSITORIES: IRepository[] = [
  {
    url: 'https://example.invalid/main',
    status: 'ok',
    message: null,
    packages: 100,
    refreshed: '2026-01-01T00:00:00Z'
  },
  {
    url: 'https://example.invalid/community',
    status: 'untrusted',
    message: 'no trusted key for signature RSA.alpine-devel@x.rsa.pub',
    packages: 0,
    refreshed: null
  },
  {
    url: 'https://example.invalid/testing',
    status: 'error',
    message: 'HTTP 404 fetching APKINDEX.tar.gz',
    packages: 0,
    refreshed: null
  },
  {
    url: 'https://example.invalid/edge',
    status: 'stale',
    message: 'timed out; using the copy from 2026-01-01',
    packages: 20,
    refreshed: '2026-01-01T00:00:00Z'
  }
];

/**
 * A plan of `steps`, each `[action, name, version, old_version]`, with no
 * sizes unless `sizes` gives them.
 */
export function jobPlan(
  steps: [string, string, string, string | null][],
  sizes: Partial<IJobPlan> = {}
): IJobPlan {
  return {
    steps: steps.map(([action, name, version, old_version]) => ({
      action,
      name,
      version,
      old_version
    })),
    download_size: 0,
    installed_size: 0,
    ...sizes
  };
}

/**
 * A finished job: the fields a test names over those of a plain successful install.
 */
export function finishedJob(fields: Partial<IJob>): IJob {
  return {
    id: '0000000000000001',
    action: 'install',
    packages: [],
    preview: false,
    state: 'done',
    plan: null,
    progress: 1,
    log: '',
    log_length: 0,
    exit_code: 0,
    error: null,
    problems: [],
    installed: [],
    user: 'tester',
    created: '2026-01-01T00:00:00+00:00',
    started: null,
    finished: null,
    revision: 5,
    ...fields
  };
}
