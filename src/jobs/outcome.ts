// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * What a finished job did, compared with what was asked: the packages named
 * that it changed or left alone, the others it changed on the way
 * (dependencies), and what the user must be warned about.
 *
 * Pure functions of the job: the notifications, the jobs list and the `%pip`
 * summary all read a job's result through them.
 */

import type { TranslationBundle } from '@jupyterlab/translation';

import { IJob, IJobPlan } from '../api';

/**
 * `name-1.2.3-r0` as listed in a job's `installed`.
 */
const NAME_VERSION_RE = /^(.+)-([^-]+-r\d+)$/;

/**
 * How `installed` marks a package the job removed.
 */
const REMOVED_SUFFIX = ' (removed)';

/**
 * The package name of a request (`py3-a`, `py3-a=1.0-r0`, `py3-a>=1`).
 */
export function requestedName(request: string): string {
  return /^[^=<>~]+/.exec(request)?.[0] ?? request;
}

/**
 * One entry of a job's `installed`: the package and whether it was removed.
 */
export function parseChange(item: string): { name: string; removed: boolean } {
  if (item.endsWith(REMOVED_SUFFIX)) {
    return { name: item.slice(0, -REMOVED_SUFFIX.length), removed: true };
  }
  return { name: NAME_VERSION_RE.exec(item)?.[1] ?? item, removed: false };
}

/**
 * What a finished job did.
 */
export interface IJobOutcome {
  /**
   * The packages named in the request that the job changed as asked.
   */
  changed: string[];
  /**
   * The packages named that it left as they were.
   */
  unchanged: string[];
  /**
   * The other packages it changed: dependencies added, upgraded or removed.
   */
  others: string[];
  /**
   * Sentences for what the job did not do as asked: the server's, else, for
   * a removal that kept a package, why.
   */
  warnings: string[];
}

/**
 * Which packages a finished (`done`) job changed, from its `installed` list:
 * those named, those it left alone and the others.
 */
export function jobChanges(
  job: IJob
): Pick<IJobOutcome, 'changed' | 'unchanged' | 'others'> {
  const requested = job.packages.map(requestedName);
  const wanted = new Set(requested);
  const removals = Private.removals(job);
  const changedNames = new Set<string>();
  const others: string[] = [];
  for (const item of job.installed) {
    const change = parseChange(item);
    if (!wanted.has(change.name)) {
      others.push(change.name);
    } else if (change.removed === removals.has(change.name)) {
      // A removal is done by a removal only; an install or upgrade by a new version.
      changedNames.add(change.name);
    }
  }
  return {
    changed: requested.filter(name => changedNames.has(name)),
    unchanged: requested.filter(name => !changedNames.has(name)),
    others: others.sort()
  };
}

/**
 * What a finished (`done`) job did, with the warnings for what it did not.
 */
export function jobOutcome(job: IJob, trans: TranslationBundle): IJobOutcome {
  const changes = jobChanges(job);
  let warnings = (job.warnings ?? []).filter(text => text);
  if (warnings.length === 0 && job.action === 'remove') {
    warnings = changes.unchanged.map(name => keptReason(name, job.plan, trans));
  }
  return { ...changes, warnings };
}

/**
 * Why a removal keeps a package: what needs it, when the plan says.
 */
export function keptReason(
  name: string,
  plan: IJobPlan | null,
  trans: TranslationBundle
): string {
  const kept = (plan?.kept ?? []).find(item => item.package === name);
  if (kept && kept.required_by.length > 0) {
    return trans.__('%1 is needed by %2', name, kept.required_by.join(', '));
  }
  return trans.__('apk kept %1', name);
}

/**
 * The packages a removal's plan (its dry run) leaves installed although they
 * were asked for.
 */
export function keptByPlan(
  packages: ReadonlyArray<string>,
  plan: IJobPlan
): string[] {
  const removed = new Set(
    plan.steps.filter(step => step.action === 'remove').map(step => step.name)
  );
  return packages.map(requestedName).filter(name => !removed.has(name));
}

/**
 * The message of a finished job, e.g. "Installed py3-prettytable (and 1
 * dependency: py3-wcwidth)." or "Nothing was removed: py3-wcwidth is needed
 * by py3-prettytable."
 */
export function outcomeMessage(
  job: IJob,
  outcome: IJobOutcome,
  trans: TranslationBundle
): string {
  const parts: string[] = [];
  const { changed, unchanged, others, warnings } = outcome;
  if (job.action === 'undo') {
    // What it removed and restored; a package it only took off the world is
    // as it was at the baseline, not a shortfall.
    const removals = Private.removals(job);
    const removed = changed.filter(name => removals.has(name));
    const restored = changed.filter(name => !removals.has(name));
    const done = [
      ...(removed.length > 0
        ? [trans.__('removed %1', removed.join(', '))]
        : []),
      ...(restored.length > 0
        ? [trans.__('restored %1', restored.join(', '))]
        : [])
    ];
    parts.push(
      done.length > 0
        ? trans.__('Undid the changes since the image: %1', done.join(', '))
        : trans.__('Undid the changes since the image')
    );
  } else if (changed.length > 0) {
    const names = changed.join(', ');
    const extra = Private.othersLabel(job, others, trans);
    switch (job.action) {
      case 'upgrade':
        parts.push(trans.__('Upgraded %1%2', names, extra));
        break;
      case 'remove':
        parts.push(trans.__('Removed %1%2', names, extra));
        break;
      default:
        parts.push(trans.__('Installed %1%2', names, extra));
        break;
    }
  } else if (job.action === 'remove') {
    parts.push(trans.__('Nothing was removed'));
  }
  if (
    job.action !== 'remove' &&
    job.action !== 'undo' &&
    unchanged.length > 0
  ) {
    const names = unchanged.join(', ');
    parts.push(
      job.action === 'upgrade'
        ? trans._n(
            '%2 was already up to date',
            '%2 were already up to date',
            unchanged.length,
            names
          )
        : trans._n(
            '%2 was already installed',
            '%2 were already installed',
            unchanged.length,
            names
          )
    );
    if (changed.length === 0 && others.length > 0) {
      parts.push(
        trans._n(
          'changed %1 other package: %2',
          'changed %1 other packages: %2',
          others.length,
          others.join(', ')
        )
      );
    }
  }
  const text = parts.join('; ');
  if (warnings.length === 0) {
    return trans.__('%1.', text);
  }
  return changed.length > 0
    ? trans.__('%1; %2.', text, warnings.join('; '))
    : trans.__('%1: %2.', text, warnings.join('; '));
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * The names of the packages `job` asked to remove: all of a removal's, an
   * undo's removals, none otherwise.
   */
  export function removals(job: IJob): Set<string> {
    switch (job.action) {
      case 'remove':
        return new Set(job.packages.map(requestedName));
      case 'undo':
        return new Set((job.undo?.remove ?? []).map(requestedName));
      default:
        return new Set();
    }
  }

  /**
   * " (and 1 dependency: py3-wcwidth)", or "" when nothing else changed.
   */
  export function othersLabel(
    job: IJob,
    others: string[],
    trans: TranslationBundle
  ): string {
    if (others.length === 0) {
      return '';
    }
    return job.action === 'remove'
      ? trans._n(
          ' (and %1 package no longer needed: %2)',
          ' (and %1 packages no longer needed: %2)',
          others.length,
          others.join(', ')
        )
      : trans._n(
          ' (and %1 dependency: %2)',
          ' (and %1 dependencies: %2)',
          others.length,
          others.join(', ')
        );
  }
}
