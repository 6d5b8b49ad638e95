import { settings, type Setting, type SettingName } from './schema.js';

/**
 * The settings table for `jobscheduler serve --help`, written from the schema so it cannot
 * drift from what the loader accepts. Only defaults are shown, never current values, so a
 * secret set in the environment cannot leak into a terminal or a support ticket.
 */
export function settingsHelp(width = 80): string {
  const lines = [
    'Settings (a flag wins over the environment, which wins over ./config.env):',
    '',
  ];
  for (const [, setting] of settingEntries()) {
    lines.push(`  ${settingNames(setting).join(', ')}`);
    const facts = [`Default: ${formatDefault(setting)}.`];
    if (setting.secret) facts.push('Secret: never printed.');
    for (const line of wrap(`${setting.description} ${facts.join(' ')}`, width - 6)) lines.push(`      ${line}`);
  }
  return lines.join('\n');
}

/** Every setting in the schema's order, with its name. */
export function settingEntries(): [SettingName, Setting<unknown>][] {
  return Object.entries(settings) as [SettingName, Setting<unknown>][];
}

/** "--port <value>, PORT": how an operator can set it. Boolean flags take no value. */
export function settingNames(setting: Setting<unknown>): string[] {
  const names: string[] = [];
  if (setting.flag !== undefined) names.push(isSwitch(setting) ? `--${setting.flag}` : `--${setting.flag} <value>`);
  names.push(setting.env);
  return names;
}

export function isSwitch(setting: Setting<unknown>): boolean {
  return typeof setting.default === 'boolean';
}

export function formatDefault(setting: Setting<unknown>): string {
  const value = setting.default;
  if (value === null) return '(unset)';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(',');
  return String(value);
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
