// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';

import {
  describeRequestError,
  getPackage,
  listPackages,
  packagesEndpoint,
  refreshRepositories,
  requestAPI
} from '../src/api';
import { fakeServer, json, responseError } from './utils';

describe('packagesEndpoint', () => {
  it('has no query string without parameters', () => {
    expect(packagesEndpoint()).toBe('packages');
    expect(packagesEndpoint({ q: '' })).toBe('packages');
  });

  it('sends booleans as true/false and numbers as decimals', () => {
    expect(
      packagesEndpoint({
        q: 'numpy',
        python: true,
        installed: false,
        upgradable: true,
        offset: 0,
        limit: 50,
        sort: '-size'
      })
    ).toBe(
      'packages?q=numpy&python=true&installed=false&upgradable=true&offset=0&limit=50&sort=-size'
    );
  });

  it('leaves out filters that are not set', () => {
    expect(packagesEndpoint({ offset: 100, limit: 50 })).toBe(
      'packages?offset=100&limit=50'
    );
  });

  it('encodes the search text', () => {
    const endpoint = packagesEndpoint({ q: 'g++ & libstdc++' });
    expect(new URLSearchParams(endpoint.split('?')[1]).get('q')).toBe(
      'g++ & libstdc++'
    );
    expect(endpoint).not.toContain(' ');
  });
});

describe('requestAPI', () => {
  it('requests below <baseUrl>/jupyterlab-apk/ and parses the JSON reply', async () => {
    const { settings, requests } = fakeServer(() =>
      json({ total: 0, packages: [] })
    );
    const reply = await listPackages({ q: 'py3', python: true }, settings);
    expect(reply).toEqual({ total: 0, packages: [] });
    expect(requests).toHaveLength(1);
    const url = new URL(requests[0].url);
    expect(url.pathname).toBe('/lab-base/jupyterlab-apk/packages');
    expect(url.searchParams.get('q')).toBe('py3');
    expect(url.searchParams.get('python')).toBe('true');
    expect(requests[0].method).toBe('GET');
  });

  it('escapes package names in the path', async () => {
    const { settings, requests } = fakeServer(() => json({ name: 'g++' }));
    await getPackage('g++', settings);
    expect(new URL(requests[0].url).pathname).toBe(
      '/lab-base/jupyterlab-apk/packages/g%2B%2B'
    );
  });

  it('posts to refresh', async () => {
    const { settings, requests } = fakeServer(() => json([]));
    await refreshRepositories(settings);
    expect(requests[0].method).toBe('POST');
    expect(new URL(requests[0].url).pathname).toBe(
      '/lab-base/jupyterlab-apk/refresh'
    );
  });

  it("throws a ResponseError carrying the server's message", async () => {
    const { settings } = fakeServer(() =>
      json({ message: 'limit must be at most 500' }, 400)
    );
    const failure = requestAPI('packages?limit=1000', {}, settings);
    await expect(failure).rejects.toBeInstanceOf(
      ServerConnection.ResponseError
    );
    await expect(failure).rejects.toThrow('limit must be at most 500');
    const error = await failure.catch((e: unknown) => e);
    if (!(error instanceof ServerConnection.ResponseError)) {
      throw error;
    }
    expect(error.response.status).toBe(400);
  });

  it('falls back on the status for an error page that is not JSON', async () => {
    const { settings } = fakeServer(() =>
      Promise.resolve(
        new Response('<html>404</html>', {
          status: 404,
          statusText: 'Not Found'
        })
      )
    );
    await expect(requestAPI('settings', {}, settings)).rejects.toThrow(
      '404 Not Found'
    );
  });

  it('throws a NetworkError when the server cannot be reached', async () => {
    const { settings } = fakeServer(() =>
      Promise.reject(new TypeError('Failed to fetch'))
    );
    await expect(requestAPI('settings', {}, settings)).rejects.toBeInstanceOf(
      ServerConnection.NetworkError
    );
  });

  it('rejects a successful reply that is not JSON', async () => {
    const { settings } = fakeServer(() =>
      Promise.resolve(new Response('not json', { status: 200 }))
    );
    await expect(requestAPI('settings', {}, settings)).rejects.toThrow(
      'Invalid JSON'
    );
  });
});

describe('describeRequestError', () => {
  const trans = nullTranslator.load('jupyterlab_apk');
  const notFound = responseError(404, '404 Not Found');
  const refused = responseError(403, 'not allowed by the policy');
  const offline = new ServerConnection.NetworkError(
    new TypeError('Failed to fetch')
  );

  it.each([
    [offline, false, 'Cannot reach the Jupyter server: Failed to fetch'],
    [offline, true, 'Cannot reach the Jupyter server: Failed to fetch'],
    [
      notFound,
      true,
      'The jupyterlab-apk server extension did not answer (404 Not Found). Is it installed and enabled?'
    ],
    [notFound, false, '404 Not Found'],
    [refused, true, 'not allowed by the policy'],
    [new Error('boom'), true, 'boom'],
    ['plain text', false, 'plain text']
  ])('describes %p (route expected: %p)', (reason, routeExpected, message) => {
    expect(describeRequestError(reason, trans, routeExpected)).toBe(message);
  });
});
