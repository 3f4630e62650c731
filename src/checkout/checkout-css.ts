/**
 * The checkout stylesheet, one source for the hosted pages (served as a file at /checkout/assets/…) and the
 * console's live preview (injected there as a <style> element). Every rule is scoped under `.fc`; the theme's
 * colours arrive as CSS variables (see theme.ts), with the neutral FLOW theme as fallback.
 * The secondary colour is decoration only (borders, badges): whatever must be seen — links, focus outlines,
 * the selected payment method, ticked boxes — uses --fc-accent-ink, which is readable on the white page
 * (≥ 4.5:1) for any theme; text on a coloured surface uses the --fc-on-… colour chosen for it.
 */
export const CHECKOUT_CSS = `
.fc{--fc-primary:#0B4F57;--fc-on-primary:#FFFFFF;--fc-secondary:#F2A541;--fc-on-secondary:#000000;--fc-accent-ink:#0B4F57;
--fc-ink:#1F2D30;--fc-muted:#5A6B6E;--fc-line:#D9E1E3;--fc-error:#B42318;--fc-bg:#F4F6F7;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fc-ink);line-height:1.45}
body.fc{margin:0;background:var(--fc-bg)}
.fc *{box-sizing:border-box}
.fc-header{background:var(--fc-primary);color:var(--fc-on-primary);display:flex;align-items:center;gap:12px;padding:14px 18px;min-height:64px;border-bottom:4px solid var(--fc-secondary)}
.fc-logo{width:40px;height:40px;border-radius:8px;background:#FFFFFF;display:flex;align-items:center;justify-content:center;overflow:hidden;flex:0 0 auto}
.fc-logo-img{max-width:100%;max-height:100%;object-fit:contain;display:block}
.fc-logo-initial{color:var(--fc-primary);font-weight:800;font-size:18px}
.fc-header-text{min-width:0}
.fc-operator{font-weight:700;font-size:17px;line-height:1.2;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.fc-secure{font-size:13px;opacity:.9}
.fc-body{padding:18px}
.fc-summary{display:flex;justify-content:space-between;align-items:baseline;gap:8px;margin-bottom:14px}
.fc-item-name{font-size:15px}
.fc-price{font-weight:700;font-size:17px;border-bottom:3px solid var(--fc-secondary)}
.fc-period{font-weight:400;font-size:14px;color:var(--fc-muted)}
.fc-button{display:block;width:100%;border:0;border-radius:8px;padding:12px 16px;background:var(--fc-primary);color:var(--fc-on-primary);font:inherit;font-size:16px;font-weight:600;text-align:center;cursor:pointer;text-decoration:none}
.fc a:focus-visible,.fc button:focus-visible,.fc input:focus-visible{outline:3px solid var(--fc-accent-ink);outline-offset:2px}
.fc-secondary-button{display:block;width:100%;margin-top:8px;border-radius:8px;padding:10px 16px;background:#FFFFFF;color:var(--fc-ink);border:2px solid var(--fc-secondary);font:inherit;font-size:15px;font-weight:600;text-align:center;cursor:pointer;text-decoration:none}
.fc-preview{border:1px solid var(--fc-line);border-radius:12px;overflow:hidden;background:#FFFFFF;max-width:420px;box-shadow:0 1px 2px rgba(16,42,46,.06)}
.fc-page{max-width:560px;margin:24px auto;background:#FFFFFF;border:1px solid var(--fc-line);border-radius:12px;overflow:hidden;box-shadow:0 1px 3px rgba(16,42,46,.08)}
.fc h1{font-size:22px;margin:0 0 12px}
.fc h2{font-size:17px;margin:20px 0 10px;padding-left:10px;border-left:4px solid var(--fc-secondary)}
.fc a:not(.fc-button,.fc-secondary-button){color:var(--fc-accent-ink)}
.fc-lines{margin:0 0 8px;padding:12px 14px;border:1px solid var(--fc-line);border-radius:8px;background:#FBFCFC}
.fc-line{display:flex;justify-content:space-between;gap:8px;margin:2px 0}
.fc-line dt{color:var(--fc-muted)}
.fc-line dd{margin:0;text-align:right}
.fc-total{font-weight:700;border-top:1px solid var(--fc-line);padding-top:6px;margin-top:6px}
.fc-field{margin:0 0 12px}
.fc-field label,.fc-legend{display:block;font-weight:600;font-size:14px;margin-bottom:4px}
.fc-field input[type=text],.fc-field input[type=email],.fc-field input[type=tel],.fc-field input[type=date]{width:100%;padding:10px 12px;border:1px solid #9AA8AB;border-radius:6px;font:inherit;background:#FFFFFF;color:var(--fc-ink)}
.fc-field.fc-invalid input{border-color:var(--fc-error);border-width:2px}
.fc-error{color:var(--fc-error);font-size:14px;margin:4px 0 0}
.fc-hint{color:var(--fc-muted);font-size:13px;margin:2px 0 0}
.fc-row{display:flex;gap:12px}
.fc-row>.fc-field{flex:1 1 0;min-width:0}
.fc-check{display:flex;gap:8px;align-items:flex-start;font-weight:400!important}
.fc input[type=checkbox],.fc input[type=radio]{accent-color:var(--fc-accent-ink);width:18px;height:18px;margin:2px 0 0}
.fc-methods{display:flex;gap:8px;margin-bottom:12px;border:0;padding:0}
.fc-method{flex:1;border:2px solid var(--fc-line);border-radius:8px;padding:10px;display:flex;gap:8px;align-items:center;cursor:pointer}
.fc-method:has(input:checked){border-color:var(--fc-accent-ink)}
.fc-card-fields,.fc-dd-fields{border:0;padding:0;margin:0}
.fc-pay:has(#method-card:checked) .fc-dd-fields{display:none}
.fc-pay:has(#method-direct_debit:checked) .fc-card-fields{display:none}
.fc-alert{border:1px solid var(--fc-error);background:#FEF3F2;color:var(--fc-error);border-radius:8px;padding:10px 12px;margin:0 0 14px}
.fc-notice{border:1px solid var(--fc-line);border-left:4px solid var(--fc-secondary);border-radius:8px;padding:10px 12px;margin:0 0 14px}
.fc-actions{margin-top:18px}
.fc-inline{display:inline}
.fc-foot{color:var(--fc-muted);font-size:12px;text-align:center;padding:12px}
.fc-badge{display:inline-block;background:var(--fc-secondary);color:var(--fc-on-secondary);border-radius:999px;padding:2px 10px;font-size:12px;font-weight:600}
.fc-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
