// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The REST client's request: `requestAPI`, which goes through
 * `ServerConnection.makeRequest` so that Jupyter's token and XSRF handling
 * apply, and how its failures read for the user.
 */

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * The URL segment, below the server's base URL, that all routes live under.
 */
export const API_NAMESPACE = 'jupyterlab-apk';

/**
 * Call the server extension's REST API.
 *
 * @param endPoint The path below `<baseUrl>/jupyterlab-apk/`, with any query string.
 * @param init Initial values for the request (method, body, abort signal …).
 * @param settings The server settings; defaults to `ServerConnection.makeSettings()`.
 *
 * @returns The parsed JSON body, or `undefined` when the body is empty.
 *
 * @throws `ServerConnection.NetworkError` when the server cannot be reached, and
 * `ServerConnection.ResponseError` carrying the server's `message` for any non-2xx reply.
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const { response, text, data } = await Private.request(
    endPoint,
    init,
    settings
  );
  if (text.length > 0 && data === undefined) {
    throw new ServerConnection.ResponseError(
      response,
      `Invalid JSON in the reply to ${endPoint}`
    );
  }
  return data as T;
}

/**
 * Call the server and return the reply's text and headers (for the routes that
 * answer with a file rather than JSON); errors as `requestAPI` throws them.
 */
export async function requestText(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<{ text: string; headers: Headers }> {
  const { response, text } = await Private.request(endPoint, init, settings);
  return { text, headers: response.headers };
}

namespace Private {
  /**
   * The reply's text and, if it is JSON, its value; a ResponseError carrying
   * the server's message for any non-2xx reply.
   */
  export async function request(
    endPoint: string,
    init: RequestInit,
    settings: ServerConnection.ISettings
  ): Promise<{ response: Response; text: string; data: unknown }> {
    const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
    // makeRequest already wraps fetch failures (including aborts) in NetworkError.
    const response = await ServerConnection.makeRequest(url, init, settings);
    const text = await response.text();
    let data: { message?: unknown; traceback?: unknown } | undefined;
    try {
      data = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: a file, or a proxy's or tornado's default error page.
    }
    if (!response.ok) {
      const message =
        data && typeof data.message === 'string' && data.message
          ? data.message
          : `${response.status} ${response.statusText}`.trim();
      throw new ServerConnection.ResponseError(
        response,
        message,
        data && typeof data.traceback === 'string' ? data.traceback : ''
      );
    }
    return { response, text, data };
  }
}

/**
 * A request failure as a message for the user.
 *
 * @param reason What `requestAPI` (or a caller) threw.
 * @param trans The bundle the message is translated with.
 * @param routeExpected Whether a 404 can only mean that the server extension's
 * route is missing (true for the fixed routes; a job or package may be gone).
 */
export function describeRequestError(
  reason: unknown,
  trans: TranslationBundle,
  routeExpected = false
): string {
  if (reason instanceof ServerConnection.NetworkError) {
    return trans.__('Cannot reach the Jupyter server: %1', reason.message);
  }
  if (
    routeExpected &&
    reason instanceof ServerConnection.ResponseError &&
    reason.response.status === 404
  ) {
    return trans.__(
      'The jupyterlab-apk server extension did not answer (%1). Is it installed and enabled?',
      reason.message
    );
  }
  if (reason instanceof Error) {
    return reason.message;
  }
  return String(reason);
}
