// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Running a job as the user asked for it: the plan first (simulated by the
 * server), the confirmation, then the job itself.
 */

import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { describeRequestError, JobAction, JobKind } from '../api';
import {
  packagesLabel,
  requestLabel,
  showNothingToDoDialog,
  showPlanDialog,
  showPlanFailedDialog
} from './dialog';
import { JobsModel } from './model';
import { keptByPlan, keptReason } from './outcome';

/**
 * Run a job, asking for confirmation first when `confirm` is set.
 *
 * #### Notes
 * The server simulates the job first and the confirmation shows its plan; a
 * plan that fails is explained instead, and so is a removal that would
 * remove nothing (apk keeps a package that another one needs).
 * An undo names no packages: the server works them out, and the plan shows
 * them; once confirmed, it names those of the plan, so that the server runs
 * it only if they are still the changes to undo. Failures to start the job are reported in a notification; the job's
 * own progress and outcome are reported by whoever listens to `jobChanged`.
 *
 * @returns The job, or `null` when the user declined or it could not start.
 */
export async function runJob(
  options: runJob.IOptions
): Promise<JobsModel.IEntry | null> {
  const { model, action, packages, confirm, trans } = options;
  if (packages.length === 0 && action !== 'undo') {
    return null;
  }
  const what = requestLabel(action, packages, trans);
  let submitted = packages;
  try {
    if (confirm) {
      const preview = await model.preview(action, packages);
      if (preview.state !== 'done' || !preview.job.plan) {
        await showPlanFailedDialog(preview, trans);
        return null;
      }
      const { plan } = preview.job;
      const kept =
        action === 'remove'
          ? keptByPlan(packages, plan).map(name =>
              keptReason(name, plan, trans)
            )
          : [];
      if (kept.length > 0 && kept.length === packages.length) {
        await showNothingToDoDialog({
          title: trans.__('Remove %1?', packagesLabel(packages, trans)),
          message: trans.__('Nothing will be removed: %1.', kept.join('; ')),
          trans
        });
        return null;
      }
      const notes = [
        ...(kept.length > 0
          ? [trans.__('Not removed: %1.', kept.join('; '))]
          : []),
        ...(options.note ? [options.note] : [])
      ];
      const accepted = await showPlanDialog({
        action,
        packages,
        plan,
        note: notes.length > 0 ? notes.join(' ') : undefined,
        trans
      });
      if (!accepted) {
        return null;
      }
      if (action === 'undo') {
        submitted = preview.job.packages;
      }
    }
    return await model.submit(action, submitted);
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
    action: JobKind;
    /**
     * The packages to do it to (none for an undo).
     */
    packages: ReadonlyArray<string>;
    /**
     * Whether to show the plan and ask first.
     */
    confirm: boolean;
    /**
     * A remark for the confirmation, under the plan.
     */
    note?: string;
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
