/** `npm run docs:api`: rewrites docs/openapi.json and docs/postman-collection.json from the route schemas. */
import { writeFileSync } from 'node:fs';
import { openApiDocPath, postmanCollectionPath, renderApiDocs } from './openapi.js';

const { openapi, postman } = await renderApiDocs();
writeFileSync(openApiDocPath, openapi);
writeFileSync(postmanCollectionPath, postman);
process.stdout.write(`wrote ${openApiDocPath}\nwrote ${postmanCollectionPath}\n`);
