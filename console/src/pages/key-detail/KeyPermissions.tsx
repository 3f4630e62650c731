import type { ApiKey } from '../../lib/types';

/** What the key may do, granted by its purpose. */
export function KeyPermissions({ apiKey: k }: { apiKey: ApiKey }) {
  return (
    <section className="card" aria-labelledby="sec-perms">
      <h2 id="sec-perms" className="section-heading">
        Permissions
      </h2>
      <p className="muted">Granted by the purpose {k.purposeLabel}.</p>
      <ul className="perm-list perm-list-block" aria-label="Permissions">
        {k.permissions.map((p) => (
          <li key={p}>
            <code className="perm">{p}</code>
          </li>
        ))}
      </ul>
    </section>
  );
}
