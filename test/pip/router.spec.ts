// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import { JobsModel } from '../../src/jobs/model';
import { PipCellExecutor } from '../../src/pip/executor';
import { ServerPipRouter } from '../../src/pip/router';
import { FakeJobServer, waitFor } from '../utils';
import { cell, coreRunCell, fakeSession } from './fakes';

/**
 * The executor over the real router, jobs model and REST client, against a
 * fake server that records every request.
 */
function setup() {
  const server = new FakeJobServer();
  const jobs = new JobsModel({
    serverSettings: server.settings,
    pollWait: 1,
    pollGrace: 1000
  });
  const router = new ServerPipRouter({
    jobs,
    serverSettings: server.settings,
    overrides: () => ({ yaml: 'py3-yaml' })
  });
  const executor = new PipCellExecutor({ router, isEnabled: () => true });
  return { server, jobs, executor, run: executor.wrap(coreRunCell) };
}

describe('ServerPipRouter', () => {
  let jobs: JobsModel | null = null;

  afterEach(() => jobs?.dispose());

  it('makes one request before the job of a routed cell', async () => {
    const setUp = setup();
    const { server, run } = setUp;
    jobs = setUp.jobs;
    const { sessionContext, sent } = fakeSession();
    const running = run({
      cell: cell('%pip install numpy yaml'),
      sessionContext
    });
    await waitFor(() => server.requests.length > 0 && jobs!.jobs.length > 0);
    const [job] = jobs.jobs;
    expect(job.job.packages).toEqual(['py3-numpy', 'py3-yaml']);
    await server.updateWhenHeld(job.id, { state: 'done', progress: 1 });
    expect(await running).toBe(true);

    const first = server.requests[0];
    expect(first.method).toBe('POST');
    expect(first.url.pathname).toBe('/jupyterlab-apk/resolve');
    expect(JSON.parse(first.body)).toEqual({
      requirements: ['numpy', 'yaml'],
      kernel: 'python3',
      overrides: { yaml: 'py3-yaml' },
      install: true
    });
    // Everything after it follows the job that request queued.
    for (const request of server.requests.slice(1)) {
      expect(request.method).toBe('GET');
      expect(request.url.pathname).toBe(`/jupyterlab-apk/jobs/${job.id}`);
    }
    expect(sent[sent.length - 1]).not.toMatch(/install[^\n]*numpy/);
  });

  it('cancels the job it queued when the kernel is interrupted', async () => {
    const setUp = setup();
    const { server, executor, run } = setUp;
    jobs = setUp.jobs;
    const { sessionContext, sent } = fakeSession();
    const running = run({
      cell: cell('%pip install numpy'),
      sessionContext
    });
    await waitFor(() => jobs!.jobs.length > 0);
    const [job] = jobs.jobs;
    executor.interrupt(sessionContext);
    expect(await running).toBe(false);
    await waitFor(() => server.job(job.id).state === 'cancelled');
    expect(
      server.requests.filter(request => request.method === 'DELETE')
    ).toHaveLength(1);
    expect(sent).toEqual([]);
  });
});
