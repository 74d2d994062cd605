// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The jupyterlab-apk REST calls the UI tests share: reading state and driving jobs.
 */

import { expect } from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';

/**
 * A job, as far as the tests read it.
 */
export interface IJob {
  id: string;
  action: string;
  packages: string[];
  state: string;
  revision: number;
  error: string | null;
  log: string;
}

/**
 * The states a job ends in.
 */
export const TERMINAL = ['done', 'failed', 'cancelled', 'timed-out'];

/**
 * GET `jupyterlab-apk/<query>` and return its JSON.
 */
export async function api<T>(
  request: APIRequestContext,
  query: string
): Promise<T> {
  const response = await request.get(`/jupyterlab-apk/${query}`);
  expect(response.ok(), `GET ${query}: ${response.status()}`).toBeTruthy();
  return (await response.json()) as T;
}

/**
 * Run a job through the REST API and wait for its end.
 */
export async function runJob(
  request: APIRequestContext,
  action: 'install' | 'remove',
  packages: string[]
): Promise<IJob> {
  const response = await request.post('/jupyterlab-apk/jobs', {
    data: { action, packages, preview: false }
  });
  expect(response.status(), `POST jobs ${action} ${packages}`).toBe(202);
  let job = (await response.json()) as IJob;
  const deadline = Date.now() + 60000;
  while (!TERMINAL.includes(job.state)) {
    expect(Date.now(), `job ${job.id} did not end`).toBeLessThan(deadline);
    job = await api<IJob>(
      request,
      `jobs/${job.id}?since=${job.revision}&wait=5`
    );
  }
  return job;
}

/**
 * Remove, in one job, those of `names` that are installed (before and after the tests that
 * install them).
 */
export async function removeInstalled(
  request: APIRequestContext,
  names: string[]
): Promise<void> {
  const installed: string[] = [];
  for (const name of names) {
    const pkg = await api<{ installed_version: string | null }>(
      request,
      `packages/${name}`
    );
    if (pkg.installed_version !== null) {
      installed.push(name);
    }
  }
  if (installed.length > 0) {
    const job = await runJob(request, 'remove', installed);
    expect(job.state, job.error ?? '').toBe('done');
  }
}
