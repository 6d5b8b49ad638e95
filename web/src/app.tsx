import type { JSX } from 'preact';
import { ApiKeyDialog } from './components/api-key-dialog.js';
import { Link, useRoute } from './router.js';
import { paths, type Route } from './routes.js';
import { JobsPage } from './pages/jobs-page.js';
import { JobPage } from './pages/job-page.js';
import { JobFormPage } from './pages/job-form-page.js';
import { ClusterPage } from './pages/cluster-page.js';
import { TargetsPage } from './pages/targets-page.js';

function page(route: Route): JSX.Element {
  switch (route.page) {
    case 'jobs':
      return <JobsPage />;
    case 'new':
      return <JobFormPage key="new" />;
    case 'job':
      return <JobPage key={route.id} id={route.id} />;
    case 'edit':
      return <JobFormPage key={`edit-${route.id}`} id={route.id} />;
    case 'cluster':
      return <ClusterPage />;
    case 'targets':
      return <TargetsPage />;
    case 'not-found':
      return (
        <section class="card empty">
          <h1>Page not found</h1>
          <p>
            <Link href={paths.jobs()}>Back to the jobs</Link>
          </p>
        </section>
      );
  }
}

export function App(): JSX.Element {
  const route = useRoute();
  const section = route.page === 'cluster' || route.page === 'targets' ? route.page : 'jobs';
  return (
    <>
      <header class="topbar">
        <Link href={paths.jobs()} class="brand">
          <span class="brand-mark" aria-hidden="true" />
          jobscheduler
        </Link>
        <nav aria-label="Main">
          <Link href={paths.jobs()} aria-current={section === 'jobs' ? 'page' : undefined}>
            Jobs
          </Link>
          <Link href={paths.cluster()} aria-current={section === 'cluster' ? 'page' : undefined}>
            Cluster
          </Link>
          <Link href={paths.targets()} aria-current={section === 'targets' ? 'page' : undefined}>
            Targets
          </Link>
          <a href="/docs" target="_blank" rel="noreferrer">
            API docs
          </a>
        </nav>
      </header>
      <main>{page(route)}</main>
      <ApiKeyDialog />
    </>
  );
}
