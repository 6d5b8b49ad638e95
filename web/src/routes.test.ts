import { describe, expect, it } from 'vitest';
import { parseRoute, paths } from './routes.js';

describe('dashboard addresses', () => {
  it('opens the jobs table at / and /jobs', () => {
    expect(parseRoute('/')).toEqual({ page: 'jobs' });
    expect(parseRoute('/jobs')).toEqual({ page: 'jobs' });
    expect(parseRoute('/jobs/')).toEqual({ page: 'jobs' });
  });

  it('opens a job, its edit form, the create form and the cluster', () => {
    expect(parseRoute('/jobs/0190f2a1-7c1e-7000-8000-000000000001')).toEqual({ page: 'job', id: '0190f2a1-7c1e-7000-8000-000000000001' });
    expect(parseRoute('/jobs/abc/edit')).toEqual({ page: 'edit', id: 'abc' });
    expect(parseRoute('/jobs/new')).toEqual({ page: 'new' });
    expect(parseRoute('/cluster')).toEqual({ page: 'cluster' });
    expect(parseRoute('/targets')).toEqual({ page: 'targets' });
  });

  it('says "not found" for anything else', () => {
    expect(parseRoute('/jobs/abc/delete')).toEqual({ page: 'not-found' });
    expect(parseRoute('/nodes')).toEqual({ page: 'not-found' });
  });

  it('reads back every address it writes', () => {
    expect(parseRoute(paths.job('a b'))).toEqual({ page: 'job', id: 'a b' });
    expect(parseRoute(paths.editJob('x/y'))).toEqual({ page: 'edit', id: 'x/y' });
    expect(parseRoute(paths.newJob())).toEqual({ page: 'new' });
    expect(parseRoute(paths.cluster())).toEqual({ page: 'cluster' });
    expect(parseRoute(paths.targets())).toEqual({ page: 'targets' });
  });
});
