// The job target of the container tests, run by Node.js inside a container on the tests'
// network: it answers 200 to every request and prints one JSON line per request.
import { createServer } from 'node:http';
import process from 'node:process';

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const line = { method: request.method, path: request.url, jobId: request.headers['x-job-id'] ?? null };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    response.writeHead(200, { 'content-type': 'text/plain' }).end('received');
  });
});
server.listen(8080, '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
