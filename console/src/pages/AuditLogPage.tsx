import { AuditList } from '../components/AuditList';
import { Breadcrumbs, PageHeader } from '../components/ui';
import { useStaff } from '../lib/session';
import { useTitle } from '../lib/title';

/** Every audit event of the environment, newest first. */
export function AuditLogPage() {
  useTitle('Audit log');
  const { staff } = useStaff();
  return (
    <div className="page page-narrow">
      <Breadcrumbs items={[{ label: 'Home', to: '/' }, { label: 'Audit log' }]} />
      <PageHeader title="Audit log" intro={`What was done in ${staff.environment.name}, by whom and when. Times in ${staff.environment.timeZone}.`} />
      <section className="card" aria-label="Audit events">
        <AuditList timeZone={staff.environment.timeZone} showTarget />
      </section>
    </div>
  );
}
