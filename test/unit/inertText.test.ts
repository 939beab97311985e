import * as assert from 'node:assert/strict';
import { inertLabel, inertMessage } from '../../src/host/inertText';

// VS Code's notifications link `[text](https://…|command:…|file:…)` with no escape syntax.
const LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/i;

describe('text for notifications', () => {
  it('breaks link syntax in our messages that quote paths and ids, keeping the words', () => {
    const hostile = 'Unknown agent "[Run](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D)"';
    assert.match(hostile, LINK);
    assert.doesNotMatch(inertMessage(hostile), LINK);
    assert.match(inertMessage(hostile), /Run\] \(command:/);
    assert.doesNotMatch(inertMessage('[a] ( [b](file:///x)'), LINK);
    assert.equal(inertMessage('C:\\Program Files (x86)\\tool [v2].exe'), 'C:\\Program Files (x86)\\tool [v2].exe');
  });

  it('reduces names other extensions chose to inert words', () => {
    assert.equal(inertLabel('**Echo** [x](command:y) `z`'), 'Echo x command:y z');
    assert.ok(inertLabel('a'.repeat(200)).length <= 80);
  });
});
