export { loadConfig, type ConfigSources } from './load.js';
export { settings, type Config, type Setting, type SettingName } from './schema.js';
