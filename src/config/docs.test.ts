import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configurationDocPath, renderConfigurationDoc } from './docs.js';
import { settings } from './schema.js';

describe('docs/configuration.md', () => {
  it('documents every setting with its variable, flag and validation message', () => {
    const doc = renderConfigurationDoc();
    for (const setting of Object.values(settings)) {
      expect(doc).toContain(`| \`${setting.env}\` |`);
      if ('flag' in setting) expect(doc).toContain(`\`--${setting.flag}\``);
    }
    expect(doc).toContain('expected a whole number from 0 to 65535, got "abc"');
    expect(doc).toContain('PORT: expected a whole number from 0 to 65535, got "eighty"');
  });

  it('is up to date with the settings table (run "npm run docs:config" when this fails)', () => {
    expect(readFileSync(configurationDocPath, 'utf8')).toBe(renderConfigurationDoc());
  });
});
