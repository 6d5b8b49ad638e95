/** `npm run docs:config`: rewrites docs/configuration.md from the settings table. */
import { writeFileSync } from 'node:fs';
import { configurationDocPath, renderConfigurationDoc } from './docs.js';

writeFileSync(configurationDocPath, renderConfigurationDoc());
process.stdout.write(`wrote ${configurationDocPath}\n`);
