/**
 * The dashboard's client-side routes. The server answers each of these paths with the
 * app's index.html, so a reload or a pasted link opens the same page.
 */
export type Route =
  | { readonly page: 'jobs' }
  | { readonly page: 'new' }
  | { readonly page: 'job'; readonly id: string }
  | { readonly page: 'edit'; readonly id: string }
  | { readonly page: 'cluster' }
  | { readonly page: 'targets' }
  | { readonly page: 'not-found' };

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter((part) => part !== '').map(decodeURIComponent);
  const [first, second, third] = parts;
  if (parts.length === 0) return { page: 'jobs' };
  if (first === 'jobs') {
    if (parts.length === 1) return { page: 'jobs' };
    if (second === 'new' && parts.length === 2) return { page: 'new' };
    if (second !== undefined && parts.length === 2) return { page: 'job', id: second };
    if (second !== undefined && third === 'edit' && parts.length === 3) return { page: 'edit', id: second };
  }
  if (first === 'cluster' && parts.length === 1) return { page: 'cluster' };
  if (first === 'targets' && parts.length === 1) return { page: 'targets' };
  return { page: 'not-found' };
}

export const paths = {
  jobs: (): string => '/',
  newJob: (): string => '/jobs/new',
  job: (id: string): string => `/jobs/${encodeURIComponent(id)}`,
  editJob: (id: string): string => `/jobs/${encodeURIComponent(id)}/edit`,
  cluster: (): string => '/cluster',
  targets: (): string => '/targets',
};
