// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Routing pip requirements: `POST resolve`.
 */

import type { ServerConnection } from '@jupyterlab/services';

import type { IJob } from './jobs';
import { requestAPI } from './request';

/**
 * What `POST resolve` is asked.
 */
export interface IResolveRequest {
  /**
   * The requirements, as pip receives them.
   */
  requirements: string[];
  /**
   * The kernelspec name of the kernel that will import them.
   */
  kernel: string;
  /**
   * The user's pip name → apk package choices.
   */
  overrides?: Record<string, string>;
  /**
   * Also queue one install job for every requirement routed to apk.
   */
  install?: boolean;
}

/**
 * Where the server routes each requirement for a kernel (`POST resolve`).
 */
export interface IResolveReply {
  /**
   * One decision per requirement, in order.
   */
  decisions: IDecision[];
  /**
   * With `install`: the queued install job (as `POST jobs` answers), or
   * `null` when nothing goes to apk.
   */
  job?: IJob | null;
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
 * Ask the server which pip requirements a prebuilt apk satisfies for a
 * kernel and, with `install`, queue their install in the same request.
 *
 * @throws `ResponseError` 400 for a malformed request, 429 when the install
 * queue is full.
 */
export function resolveRequirements(
  request: IResolveRequest,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IResolveReply> {
  return requestAPI<IResolveReply>(
    'resolve',
    { method: 'POST', body: JSON.stringify(request), signal },
    settings
  );
}
