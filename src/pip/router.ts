// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The server side of `%pip install` routing.
 */

import type { ServerConnection } from '@jupyterlab/services';

import { type IJob, type IResolveReply, resolveRequirements } from '../api';
import type { JobsModel } from '../jobs/model';
import type { IInstallOutcome, IPipRouter } from './executor';

/**
 * Routes through `POST resolve`, which queues the install job in the same
 * request, and follows that job in the jobs model (so that its progress shows
 * in the status bar and a notification).
 */
export class ServerPipRouter implements IPipRouter {
  constructor(options: ServerPipRouter.IOptions) {
    this._jobs = options.jobs;
    this._serverSettings = options.serverSettings;
    this._overrides = options.overrides;
  }

  resolve(
    requirements: string[],
    kernel: string,
    install: boolean,
    signal: AbortSignal
  ): Promise<IResolveReply> {
    return resolveRequirements(
      { requirements, kernel, overrides: this._overrides(), install },
      this._serverSettings,
      signal
    );
  }

  async waitFor(job: IJob, signal: AbortSignal): Promise<IInstallOutcome> {
    const start = performance.now();
    const entry = this._jobs.track(job);
    const cancel = () =>
      void this._jobs.cancel(entry.id).catch(() => undefined);
    if (signal.aborted) {
      cancel();
    }
    signal.addEventListener('abort', cancel);
    try {
      const ended = await this._jobs.whenEnded(entry.id);
      const ok = ended.state === 'done';
      return {
        ok,
        error: ok
          ? undefined
          : (ended.job.error ?? ended.connectionError ?? ended.state),
        seconds: (performance.now() - start) / 1000
      };
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  private _jobs: JobsModel;
  private _serverSettings: ServerConnection.ISettings;
  private _overrides: () => Record<string, string>;
}

/**
 * A namespace for `ServerPipRouter` statics.
 */
export namespace ServerPipRouter {
  /**
   * Construction options.
   */
  export interface IOptions {
    /**
     * The jobs model that follows the install jobs.
     */
    jobs: JobsModel;
    /**
     * The server to ask.
     */
    serverSettings: ServerConnection.ISettings;
    /**
     * The user's pip name → apk package choices, read per cell.
     */
    overrides: () => Record<string, string>;
  }
}
