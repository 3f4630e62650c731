import { Link } from 'react-router-dom';
import { Breadcrumbs, PageHeader } from '../components/ui';
import { useTitle } from '../lib/title';

/** System Configuration: the settings areas, Integrations among them. */
export function SystemConfigurationPage() {
  useTitle('System Configuration');
  return (
    <div className="page">
      <Breadcrumbs items={[{ label: 'Home', to: '/' }, { label: 'System Configuration' }]} />
      <PageHeader title="System Configuration" intro="Settings that shape how FLOW works for your environment." />
      <ul className="tiles" aria-label="System Configuration areas">
        <li>
          <Link to="/system-configuration/integrations" className="tile">
            <span className="tile-title">Integrations</span>
            <span className="tile-text">Connect FLOW with third-party systems such as CoursePro or Innovatise.</span>
          </Link>
        </li>
        <li>
          <Link to="/audit-log" className="tile">
            <span className="tile-title">Audit Log</span>
            <span className="tile-text">Every change to your integrations, with who made it.</span>
          </Link>
        </li>
      </ul>
    </div>
  );
}

/** Integrations: FLOW API Keys and the API documentation. */
export function IntegrationsPage() {
  useTitle('Integrations');
  return (
    <div className="page">
      <Breadcrumbs items={[{ label: 'Home', to: '/' }, { label: 'System Configuration', to: '/system-configuration' }, { label: 'Integrations' }]} />
      <PageHeader title="Integrations" intro="Let approved external platforms work with your FLOW data." />
      <ul className="tiles" aria-label="Integrations">
        <li>
          <Link to="/system-configuration/integrations/api-keys" className="tile">
            <span className="tile-title">FLOW API Keys</span>
            <span className="tile-text">Create and manage the keys that identify your environment to third-party systems.</span>
          </Link>
        </li>
        <li>
          <a href="/docs" className="tile">
            <span className="tile-title">API Documentation</span>
            <span className="tile-text">What each key can do, for the people building the integration.</span>
          </a>
        </li>
      </ul>
    </div>
  );
}
