// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * What the sidebar remembers across reloads, in JupyterLab's state database:
 * the heights of its sections and the jobs list's "Clear finished" mark.
 */

import type { IStateDB } from '@jupyterlab/statedb';

import type { CatalogPanel } from './catalog/panel';
import type { JobsModel } from './jobs/model';

const SECTION_SIZES_KEY = 'jupyterlab-apk:section-sizes';
const JOBS_CLEARED_KEY = 'jupyterlab-apk:jobs-cleared-before';

/**
 * Restore the sections' heights as the user left them, and keep them.
 */
export function rememberSectionSizes(
  panel: CatalogPanel,
  state: IStateDB
): void {
  state
    .fetch(SECTION_SIZES_KEY)
    .then(value => {
      if (Array.isArray(value) && value.every(v => typeof v === 'number')) {
        panel.sectionSizes = value as number[];
      }
    })
    .catch(reason =>
      console.warn('Could not read the sidebar section sizes', reason)
    );
  panel.sectionSizesChanged.connect((_, sizes) => {
    void state.save(SECTION_SIZES_KEY, sizes);
  });
}

/**
 * Restore the jobs list's "Clear finished" mark, and keep it.
 */
export function rememberClearedJobs(jobs: JobsModel, state: IStateDB): void {
  state
    .fetch(JOBS_CLEARED_KEY)
    .then(value => {
      if (typeof value === 'string') {
        jobs.clearedBefore = value;
      }
    })
    .catch(reason => console.warn('Could not read the cleared jobs', reason));
  jobs.cleared.connect((_, value) => {
    void state.save(JOBS_CLEARED_KEY, value);
  });
}
