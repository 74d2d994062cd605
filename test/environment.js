/*
 * jsdom, plus Node's fetch API, which jsdom lacks and @jupyterlab/services
 * references when it builds server settings.
 */

const { TestEnvironment } = require('jest-environment-jsdom');

class JsdomWithFetchEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of ['fetch', 'Headers', 'Request', 'Response']) {
      if (this.global[name] === undefined) {
        this.global[name] = globalThis[name];
      }
    }
  }
}

module.exports = JsdomWithFetchEnvironment;
