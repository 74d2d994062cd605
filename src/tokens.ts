// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The tokens other plugins use to reach the extension's services.
 */

import { Token } from '@lumino/coreutils';

import { JobsModel } from './jobs/model';

/**
 * The install queue: submit, preview and cancel apk jobs, and follow their progress.
 */
export type IApkJobs = JobsModel;

/**
 * The token of the install queue, provided by `jupyterlab-apk:jobs`.
 */
export const IApkJobs = new Token<IApkJobs>(
  'jupyterlab-apk:IApkJobs',
  'The queue of apk jobs of the jupyterlab-apk server extension: submit, preview and cancel install, upgrade and remove jobs, and follow their progress.'
);
