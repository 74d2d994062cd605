// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import { IJob } from '../src/api';
import { JobsModel } from '../src/jobs/model';
import { FakeJobServer, jobPlan, sleep, waitFor } from './utils';

/**
 * A model on a fake server, with short retry pauses.
 */
function makeModel(
  server: FakeJobServer,
  options: JobsModel.IOptions = {}
): JobsModel {
  return new JobsModel({
    serverSettings: server.settings,
    retryDelays: [10, 20],
    pollGrace: 100,
    ...options
  });
}

/**
 * Record every `jobChanged` change as "type:state".
 */
function record(model: JobsModel): string[] {
  const changes: string[] = [];
  model.jobChanged.connect((_, change) => {
    changes.push(`${change.type}:${change.entry.state}`);
  });
  return changes;
}

describe('JobsModel', () => {
  let server: FakeJobServer;
  let model: JobsModel;

  beforeEach(() => {
    server = new FakeJobServer();
  });

  afterEach(() => {
    model?.dispose();
  });

  describe('#submit', () => {
    it('posts the job and adds it queued', async () => {
      model = makeModel(server);
      const changes = record(model);
      const entry = await model.submit('install', ['py3-a', 'py3-b']);
      const post = server.requests.find(request => request.method === 'POST')!;
      expect(post.url.pathname).toBe('/jupyterlab-apk/jobs');
      expect(JSON.parse(post.body)).toEqual({
        action: 'install',
        packages: ['py3-a', 'py3-b'],
        preview: false
      });
      expect(entry.state).toBe('queued');
      expect(entry.job.packages).toEqual(['py3-a', 'py3-b']);
      expect(model.get(entry.id)).toBe(entry);
      expect(model.jobs.map(job => job.id)).toEqual([entry.id]);
      expect(model.hasActive).toBe(true);
      expect(changes).toEqual(['added:queued']);
    });

    it("rejects with the server's message and adds nothing", async () => {
      model = makeModel(server);
      server.postError = {
        status: 400,
        message: "'-x' is not a valid apk package name"
      };
      await expect(model.submit('install', ['-x'])).rejects.toThrow(
        "'-x' is not a valid apk package name"
      );
      expect(model.jobs).toHaveLength(0);
    });
  });

  describe('long-polling', () => {
    it('follows a job through its states, with the log in pieces, and stops at the end', async () => {
      model = makeModel(server, { pollWait: 25 });
      const changes = record(model);
      const { id } = await model.submit('install', ['py3-a']);

      await server.updateWhenHeld(
        id,
        { state: 'running', progress: 0.25 },
        'line 1\n'
      );
      await waitFor(() => model.get(id)!.state === 'running');
      expect(model.get(id)!.job.log).toBe('line 1\n');
      expect(model.get(id)!.progress).toBe(0.25);

      await server.updateWhenHeld(id, { progress: 0.5 }, 'line 2\n');
      await waitFor(() => model.get(id)!.progress === 0.5);
      expect(model.get(id)!.job.log).toBe('line 1\nline 2\n');

      await server.updateWhenHeld(
        id,
        { state: 'done', progress: 1, installed: ['py3-a-1.0-r0'] },
        'OK\n'
      );
      await waitFor(() => model.get(id)!.state === 'done');
      const done = model.get(id)!;
      expect(done.job.log).toBe('line 1\nline 2\nOK\n');
      expect(done.logComplete).toBe(true);
      expect(done.progress).toBe(1);
      expect(model.hasActive).toBe(false);
      expect(changes).toEqual([
        'added:queued',
        'changed:running',
        'changed:running',
        'ended:done'
      ]);

      // Each poll asked for the log after what it had, and for a newer revision.
      const polls = server.jobRequests(id);
      expect(polls.map(url => url.searchParams.get('wait'))).toEqual(
        polls.map(() => '25')
      );
      expect(polls[0].searchParams.get('since')).toBe('0');
      expect(polls[0].searchParams.get('log_offset')).toBe('0');
      expect(polls[polls.length - 1].searchParams.get('log_offset')).toBe(
        String('line 1\nline 2\n'.length)
      );

      // Final: no more requests.
      const count = server.requests.length;
      await sleep(150);
      expect(server.requests.length).toBe(count);
    });

    it('keeps asking after a long-poll ends without a change', async () => {
      model = makeModel(server);
      server.holdMs = 5;
      const { id } = await model.submit('install', ['py3-a']);
      await waitFor(() => server.jobRequests(id).length >= 3);
      expect(model.get(id)!.state).toBe('queued');
      server.update(id, { state: 'done', progress: 1 });
      await waitFor(() => model.get(id)!.state === 'done');
    });

    it('never shows progress going backwards', async () => {
      model = makeModel(server);
      const { id } = await model.submit('install', ['py3-a']);
      const seen: number[] = [];
      model.jobChanged.connect((_, change) => seen.push(change.entry.progress));
      for (const progress of [0.6, 0.3, 0.7, 0.1]) {
        await server.updateWhenHeld(id, { state: 'running', progress });
        await waitFor(
          () => model.get(id)!.job.revision === server.job(id).revision
        );
      }
      expect(seen).toEqual([0.6, 0.6, 0.7, 0.7]);
      await server.updateWhenHeld(id, {
        state: 'failed',
        progress: 0.2,
        error: 'apk failed'
      });
      await waitFor(() => model.get(id)!.state === 'failed');
      expect(model.get(id)!.progress).toBe(0.7);
    });

    it('shows a job as unknown and stops spinning when the server is gone', async () => {
      model = makeModel(server);
      const changes = record(model);
      const { id } = await model.submit('install', ['py3-a']);
      await server.updateWhenHeld(id, { state: 'running', progress: 0.4 });
      await waitFor(() => model.get(id)!.state === 'running');
      server.down = true;
      await waitFor(() => model.get(id)!.state === 'unknown');
      const entry = model.get(id)!;
      expect(entry.connectionError).toContain(
        'Cannot reach the Jupyter server'
      );
      expect(entry.job.state).toBe('running');
      expect(model.hasActive).toBe(false);
      expect(model.activeJobFor('py3-a')).toBeNull();
      expect(changes[changes.length - 1]).toBe('ended:unknown');
      // The first failure and two retries, then nothing more.
      const failed = server.jobRequests(id).length;
      await sleep(150);
      expect(server.jobRequests(id).length).toBe(failed);

      // Asked to check again once the server is back, it follows the job to its end.
      server.down = false;
      model.reconnect(id);
      expect(model.get(id)!.state).toBe('running');
      await server.updateWhenHeld(id, { state: 'done', progress: 1 });
      await waitFor(() => model.get(id)!.state === 'done');
      expect(changes.slice(-2)).toEqual(['changed:running', 'ended:done']);
    });

    it('follows a job again when asked to as soon as it became unknown', async () => {
      model = makeModel(server);
      const { id } = await model.submit('install', ['py3-a']);
      let lost = 0;
      model.jobChanged.connect((_, change) => {
        if (change.entry.state === 'unknown') {
          lost++;
          server.down = false;
          model.reconnect(id);
        }
      });
      await waitFor(() => server.isHolding(id));
      server.down = true;
      server.update(id, { state: 'running' });
      await waitFor(() => lost === 1);
      await server.updateWhenHeld(id, { state: 'done', progress: 1 });
      await waitFor(() => model.get(id)!.state === 'done');
    });

    it('gives up on a long-poll that is never answered', async () => {
      model = makeModel(server, { pollWait: 0, pollGrace: 30 });
      const { id } = await model.submit('install', ['py3-a']);
      server.hang = true;
      await waitFor(() => model.get(id)!.state === 'unknown');
      expect(model.get(id)!.connectionError).toContain('did not answer');
      expect(server.isHolding(id)).toBe(false);
    });

    it('shows a job the server no longer knows as unknown at once', async () => {
      model = makeModel(server);
      server.add({ action: 'install', packages: ['py3-a'], state: 'running' });
      await model.restore();
      const [entry] = model.jobs;
      // The history was deleted under the server's feet.
      server.forget(entry.id);
      await waitFor(() => model.get(entry.id)!.state === 'unknown');
      expect(model.get(entry.id)!.connectionError).toContain(
        'no longer knows this job'
      );
      expect(server.jobRequests(entry.id).length).toBeLessThanOrEqual(2);
    });
  });

  describe('#restore', () => {
    it('lists the recent jobs, newest first and without previews, and follows the unfinished ones', async () => {
      const old = server.add({
        action: 'install',
        packages: ['py3-old'],
        state: 'done',
        progress: 1,
        log: 'old log\n'
      });
      server.add({
        action: 'install',
        packages: ['py3-preview'],
        preview: true,
        state: 'running'
      });
      const running = server.add({
        action: 'upgrade',
        packages: ['py3-new'],
        state: 'running',
        progress: 0.5,
        log: 'started\n'
      });
      model = makeModel(server);
      const changes = record(model);
      await model.restore();
      expect(model.isRestoring).toBe(false);
      expect(model.restoreError).toBeNull();
      expect(model.jobs.map(entry => entry.id)).toEqual([running.id, old.id]);
      expect(model.activeJobs.map(entry => entry.id)).toEqual([running.id]);
      expect(changes).toEqual(['added:running', 'added:done']);

      // GET jobs carries no logs: the running job's whole log comes with its first poll.
      await waitFor(() => model.get(running.id)!.job.log === 'started\n');
      expect(
        server.jobRequests(running.id)[0].searchParams.get('log_offset')
      ).toBe('0');
      expect(server.jobRequests(old.id)).toHaveLength(0);

      // A finished job's log is fetched on demand.
      expect(model.get(old.id)!.logComplete).toBe(false);
      await model.loadLog(old.id);
      expect(model.get(old.id)!.job.log).toBe('old log\n');
      expect(model.get(old.id)!.logComplete).toBe(true);
      await model.loadLog(old.id);
      expect(server.jobRequests(old.id)).toHaveLength(1);
    });

    it('says why the jobs could not be fetched', async () => {
      model = makeModel(server);
      server.down = true;
      await model.restore();
      expect(model.restoreError).toContain('Cannot reach the Jupyter server');
      expect(model.jobs).toHaveLength(0);
    });

    it('finds a job shown as unknown again', async () => {
      model = makeModel(server);
      const changes = record(model);
      const { id } = await model.submit('install', ['py3-a']);
      server.down = true;
      await waitFor(() => model.get(id)!.state === 'unknown');
      server.down = false;
      server.update(id, { state: 'done', progress: 1 });
      await model.restore();
      expect(model.get(id)!.state).toBe('done');
      expect(changes.slice(-2)).toEqual(['ended:unknown', 'ended:done']);
    });
  });

  describe('watching', () => {
    beforeEach(() => {
      // jsdom counts as a hidden page, where the watch stands by.
      Object.defineProperty(document, 'hidden', {
        configurable: true,
        get: () => false
      });
    });

    afterEach(() => {
      Reflect.deleteProperty(document, 'hidden');
    });

    it('finds and follows a job started elsewhere without a refresh', async () => {
      model = makeModel(server, { watchInterval: 20 });
      const changes = record(model);
      await model.restore();
      expect(model.jobs).toHaveLength(0);
      // Another tab, a %pip cell or the REST API submits a job.
      const other = server.add({ action: 'install', packages: ['py3-b'] });
      await waitFor(() => model.get(other.id) !== undefined);
      await server.updateWhenHeld(other.id, {
        state: 'done',
        installed: ['py3-b-1.0-r0']
      });
      await waitFor(() => model.get(other.id)!.state === 'done');
      expect(changes).toEqual(['added:queued', 'ended:done']);
    });

    it('never watches before restore, nor with an interval of 0', async () => {
      model = makeModel(server, { watchInterval: 20 });
      await sleep(80);
      expect(server.requests).toHaveLength(0);
      model.dispose();
      model = makeModel(server, { watchInterval: 0 });
      await model.restore();
      await sleep(80);
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('#clearFinished', () => {
    it('hides the finished jobs, keeps the unfinished ones, and tells the mark', async () => {
      server.add({
        action: 'install',
        packages: ['py3-old'],
        state: 'done'
      });
      const running = server.add({
        action: 'install',
        packages: ['py3-running'],
        state: 'running'
      });
      model = makeModel(server);
      await model.restore();
      expect(model.hasFinished).toBe(true);
      const marks: string[] = [];
      model.cleared.connect((_, mark) => marks.push(mark));
      model.clearFinished();
      expect(model.jobs.map(entry => entry.id)).toEqual([running.id]);
      expect(model.hasFinished).toBe(false);
      expect(marks).toEqual([running.created]);
      // Once it finishes, it is hidden too; a newer job is shown.
      await server.updateWhenHeld(running.id, { state: 'done' });
      await waitFor(() => model.jobs.length === 0);
      const { id } = await model.submit('install', ['py3-new']);
      expect(model.jobs.map(entry => entry.id)).toEqual([id]);
    });

    it('starts from a mark remembered earlier', async () => {
      const old = server.add({
        action: 'install',
        packages: ['py3-old'],
        state: 'done'
      });
      model = makeModel(server);
      model.clearedBefore = old.created;
      await model.restore();
      expect(model.jobs).toHaveLength(0);
    });
  });

  describe('#isWaiting', () => {
    it('counts a queued job as waiting only behind another job', async () => {
      model = makeModel(server);
      const first = await model.submit('install', ['py3-a']);
      expect(model.isWaiting(first.id)).toBe(false);
      const second = await model.submit('install', ['py3-b']);
      expect(model.isWaiting(second.id)).toBe(true);
      await server.updateWhenHeld(first.id, { state: 'cancelled' });
      await waitFor(() => !model.isWaiting(second.id));
    });
  });

  describe('#cancel', () => {
    it('cancels a queued job, which then ends', async () => {
      model = makeModel(server);
      const changes = record(model);
      const { id } = await model.submit('install', ['py3-a']);
      await model.cancel(id);
      expect(server.requests.some(request => request.method === 'DELETE')).toBe(
        true
      );
      await waitFor(() => model.get(id)!.state === 'cancelled');
      expect(model.get(id)!.job.error).toBe('cancelled before it started');
      expect(model.hasActive).toBe(false);
      expect(changes).toContain('ended:cancelled');
      const count = server.requests.length;
      await sleep(100);
      expect(server.requests.length).toBe(count);
    });

    it('leaves a running job to end through its poll', async () => {
      model = makeModel(server);
      const { id } = await model.submit('remove', ['py3-a']);
      await server.updateWhenHeld(id, { state: 'running' });
      await waitFor(() => model.get(id)!.state === 'running');
      await model.cancel(id);
      expect(model.get(id)!.state).toBe('running');
      await server.updateWhenHeld(id, {
        state: 'cancelled',
        error: 'cancelled'
      });
      await waitFor(() => model.get(id)!.state === 'cancelled');
    });
  });

  describe('#preview', () => {
    it('resolves with the plan once the preview job ends, and hides previews from the jobs', async () => {
      model = makeModel(server);
      const preview = model.preview('install', ['py3-a']);
      await waitFor(() => model.activeJobFor('py3-a') !== null);
      const id = model.activeJobFor('py3-a')!.id;
      expect(JSON.parse(server.requests[0].body).preview).toBe(true);
      expect(model.jobs).toHaveLength(0);
      expect(model.hasActive).toBe(false);
      expect(model.activeJobFor('py3-a')!.job.preview).toBe(true);
      const plan: IJob['plan'] = jobPlan(
        [['install', 'py3-a', '1.0-r0', null]],
        { download_size: 1000, installed_size: 4000 }
      );
      await server.updateWhenHeld(id, { state: 'done', plan });
      const entry = await preview;
      expect(entry.state).toBe('done');
      expect(entry.job.plan).toEqual(plan);
      expect(model.activeJobFor('py3-a')).toBeNull();
    });
  });

  describe('#dispose', () => {
    it('stops polling and rejects the callers waiting for a job', async () => {
      model = makeModel(server);
      const { id } = await model.submit('install', ['py3-a']);
      const ended = model.whenEnded(id);
      await waitFor(() => server.isHolding(id));
      model.dispose();
      await expect(ended).rejects.toThrow('disposed');
      await waitFor(() => !server.isHolding(id));
      const count = server.requests.length;
      await sleep(100);
      expect(server.requests.length).toBe(count);
      expect(model.isDisposed).toBe(true);
    });
  });
});
