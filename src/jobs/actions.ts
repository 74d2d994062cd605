// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Running a job as the user asked for it: the plan first (simulated by the
 * server), the confirmation, then the job itself.
 */

import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { describeRequestError, JobAction } from '../api';
import {
  actionLabel,
  packagesLabel,
  removalPlan,
  showPlanDialog,
  showPlanFailedDialog
} from './dialog';
import { JobsModel } from './model';

/**
 * Run a job, asking for confirmation first when `confirm` is set.
 *
 * #### Notes
 * For `install` and `upgrade`, the server simulates the job first and the
 * confirmation shows its plan; a plan that fails is explained instead. A
 * removal cannot be simulated, so its confirmation lists the packages named.
 * Failures to start the job are reported in a notification; the job's own
 * progress and outcome are reported by whoever listens to `jobChanged`.
 *
 * @returns The job, or `null` when the user declined or it could not start.
 */
export async function runJob(
  options: runJob.IOptions
): Promise<JobsModel.IEntry | null> {
  const { model, action, packages, confirm, trans } = options;
  if (packages.length === 0) {
    return null;
  }
  const what = trans.__(
    '%1 %2',
    actionLabel(action, trans),
    packagesLabel(packages, trans)
  );
  try {
    if (confirm) {
      if (JobsModel.canPreview(action)) {
        const preview = await model.preview(action, packages);
        if (preview.state !== 'done' || !preview.job.plan) {
          await showPlanFailedDialog(preview, trans);
          return null;
        }
        const accepted = await showPlanDialog({
          action,
          packages,
          plan: preview.job.plan,
          trans
        });
        if (!accepted) {
          return null;
        }
      } else {
        const accepted = await showPlanDialog({
          action,
          packages,
          plan: removalPlan(
            packages.map(name => ({
              name,
              version: options.installedVersion?.(name) ?? null
            }))
          ),
          note: trans.__(
            'apk also removes the packages that only these packages needed.'
          ),
          trans
        });
        if (!accepted) {
          return null;
        }
      }
    }
    return await model.submit(action, packages);
  } catch (reason) {
    const message = describeRequestError(reason, trans);
    Notification.error(trans.__('%1 could not start: %2', what, message), {
      autoClose: false
    });
    return null;
  }
}

/**
 * The namespace for `runJob` statics.
 */
export namespace runJob {
  /**
   * The options of `runJob`.
   */
  export interface IOptions {
    /**
     * The install queue.
     */
    model: JobsModel;
    /**
     * What to do.
     */
    action: JobAction;
    /**
     * The packages to do it to.
     */
    packages: ReadonlyArray<string>;
    /**
     * Whether to show the plan and ask first.
     */
    confirm: boolean;
    /**
     * The installed version of a package, for the removal confirmation.
     */
    installedVersion?: (name: string) => string | null;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }

  /**
   * Whether a job needs confirmation, given the `confirmSingleInstall` setting:
   * only the installation of a single package may skip it.
   */
  export function needsConfirmation(
    action: JobAction,
    packages: ReadonlyArray<string>,
    confirmSingleInstall: boolean
  ): boolean {
    return !(
      action === 'install' &&
      packages.length === 1 &&
      !confirmSingleInstall
    );
  }
}
