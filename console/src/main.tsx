import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import './styles.css';
import { SessionProvider, useSession } from './lib/session';
import { Layout } from './components/Layout';
import { Loading } from './components/ui';
import { LoginPage } from './pages/LoginPage';
import { HomePage } from './pages/HomePage';
import { SystemConfigurationPage, IntegrationsPage } from './pages/SectionPages';
import { KeyListPage } from './pages/KeyListPage';
import { CreateKeyPage } from './pages/CreateKeyPage';
import { KeyDetailPage } from './pages/key-detail/KeyDetailPage';
import { AuditLogPage } from './pages/AuditLogPage';
import { NotFoundPage } from './pages/NotFoundPage';

/** Routes that need a session: signed out (or expired), go to login and come back here afterwards. */
function RequireSession() {
  const { session, signedOut } = useSession();
  const location = useLocation();
  if (session === undefined) return <Loading label="Checking your session…" />;
  if (session === null && signedOut) return <Navigate to="/login" replace />;
  if (session === null) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Layout />;
}

function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireSession />}>
        <Route index element={<HomePage />} />
        <Route path="system-configuration" element={<SystemConfigurationPage />} />
        <Route path="system-configuration/integrations" element={<IntegrationsPage />} />
        <Route path="system-configuration/integrations/api-keys" element={<KeyListPage />} />
        <Route path="system-configuration/integrations/api-keys/new" element={<CreateKeyPage />} />
        <Route path="system-configuration/integrations/api-keys/:id" element={<KeyDetailPage />} />
        <Route path="audit-log" element={<AuditLogPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <SessionProvider>
        <App />
      </SessionProvider>
    </BrowserRouter>
  </StrictMode>,
);
