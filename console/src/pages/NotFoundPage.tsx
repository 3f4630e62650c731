import { Link } from 'react-router-dom';
import { useTitle } from '../lib/title';

/** Any path the console does not know. */
export function NotFoundPage() {
  useTitle('Page not found');
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        There is no page at this address. <Link to="/">Go to Home</Link>.
      </p>
    </div>
  );
}
