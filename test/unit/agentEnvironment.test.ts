import * as assert from 'node:assert/strict';
import { SECRET_ENV } from '../../src/core/cache';
import { agentEnvironment } from '../../src/core/cli/agentEnvironment';
import { OWN_SECRET_ENV } from '../../src/core/util/ownSecrets';

describe('an agent process\'s environment', () => {
  it('is the user\'s, with the agent\'s own variables on top and PWD set to the run\'s folder', () => {
    const env = agentEnvironment({ PATH: '/bin', ANTHROPIC_API_KEY: 'user-key', PWD: '/launch', X: 'old' }, { X: 'new', CLAUDECODE: undefined, Y: '1' }, '/work');
    assert.deepEqual(env, { PATH: '/bin', ANTHROPIC_API_KEY: 'user-key', PWD: '/work', X: 'new', Y: '1' });
  });

  it('never holds Agent Relay\'s own secrets, whatever the other layers say', () => {
    assert.ok(OWN_SECRET_ENV.includes(SECRET_ENV), 'the cache secret\'s variable is one of ours');
    const env = agentEnvironment({ AGENT_RELAY_CACHE_SECRET: 's3cret', PATH: '/bin' }, { AGENT_RELAY_CACHE_SECRET: 'from-a-setting' }, '/w');
    assert.equal(env.AGENT_RELAY_CACHE_SECRET, undefined);
    assert.ok(!JSON.stringify(env).includes('s3cret'));
  });

  it('compares names case-insensitively on Windows', () => {
    const env = agentEnvironment({ Path: 'C:\\\\bin', agent_relay_cache_secret: 's', Pwd: 'C:\\\\launch' }, { PATH: 'D:\\\\bin' }, 'C:\\\\work', 'win32');
    assert.deepEqual(env, { PWD: 'C:\\\\work', PATH: 'D:\\\\bin' });
    const posix = agentEnvironment({ agent_relay_cache_secret: 'not ours on POSIX' }, {}, '/w', 'linux');
    assert.equal(posix.agent_relay_cache_secret, 'not ours on POSIX');
  });
});
