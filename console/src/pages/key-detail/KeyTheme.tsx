import type { ApiKey } from '../../lib/types';
import { CheckoutPreview } from '../../checkout-preview/CheckoutPreview';
import { ColourValue } from './ColourValue';

/** The key's checkout theme: the live preview and the values behind it. */
export function KeyTheme({ apiKey: k, operatorName }: { apiKey: ApiKey; operatorName: string }) {
  return (
    <section className="card" aria-labelledby="sec-theme">
      <h2 id="sec-theme" className="section-heading">
        Checkout theme
      </h2>
      <CheckoutPreview logoUrl={k.theme.logoUrl} primaryColour={k.theme.primaryColour} secondaryColour={k.theme.secondaryColour} operatorName={operatorName} />
      <dl className="facts facts-compact">
        <div>
          <dt>Logo</dt>
          <dd>{k.theme.logoUrl ? 'Uploaded' : 'None'}</dd>
        </div>
        <div>
          <dt>Primary colour</dt>
          <dd>{k.theme.primaryColour ? <ColourValue hex={k.theme.primaryColour} /> : 'FLOW default'}</dd>
        </div>
        <div>
          <dt>Secondary colour</dt>
          <dd>{k.theme.secondaryColour ? <ColourValue hex={k.theme.secondaryColour} /> : 'FLOW default'}</dd>
        </div>
      </dl>
    </section>
  );
}
