import type { UsageDay } from '../lib/types';
import { formatDate } from '../lib/dates';

const W = 960;
const H = 220;
const PAD = { top: 12, right: 8, bottom: 26, left: 36 };

/** Requests per day as stacked bars (successful, failed), plain SVG; the totals and failures by code as text. */
export function UsageChart({ days }: { days: UsageDay[] }) {
  const totalOk = days.reduce((n, d) => n + d.ok, 0);
  const totalFailed = days.reduce((n, d) => n + d.failed, 0);
  const byCode: Record<string, number> = {};
  for (const d of days) for (const [code, n] of Object.entries(d.byCode)) byCode[code] = (byCode[code] ?? 0) + n;
  const codes = Object.entries(byCode).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...days.map((d) => d.ok + d.failed));
  const niceMax = niceCeil(max);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, days.length);
  const barW = Math.max(2, slot * 0.68);
  const y = (v: number) => PAD.top + plotH - (v / niceMax) * plotH;
  const first = days[0]?.date;
  const last = days[days.length - 1]?.date;
  const summary = `${totalOk + totalFailed} requests from ${formatDate(first)} to ${formatDate(last)}: ${totalOk} successful, ${totalFailed} failed.`;

  return (
    <div className="usage">
      <dl className="usage-totals">
        <div>
          <dt>Requests</dt>
          <dd>{(totalOk + totalFailed).toLocaleString('en-GB')}</dd>
        </div>
        <div>
          <dt>Successful</dt>
          <dd>{totalOk.toLocaleString('en-GB')}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd className={totalFailed ? 'text-danger' : undefined}>{totalFailed.toLocaleString('en-GB')}</dd>
        </div>
      </dl>
      <svg viewBox={`0 0 ${W} ${H}`} className="usage-chart" role="img" aria-label={`Requests per day. ${summary}`}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(niceMax * f)} y2={y(niceMax * f)} className="grid" />
            <text x={PAD.left - 6} y={y(niceMax * f) + 4} className="axis" textAnchor="end">
              {Math.round(niceMax * f)}
            </text>
          </g>
        ))}
        {days.map((d, i) => {
          const x = PAD.left + i * slot + (slot - barW) / 2;
          const okTop = y(d.ok);
          const failTop = y(d.ok + d.failed);
          return (
            <g key={d.date}>
              <title>{`${formatDate(d.date)}: ${d.ok} successful, ${d.failed} failed${Object.keys(d.byCode).length ? ` (${Object.entries(d.byCode).map(([c, n]) => `${c} ${n}`).join(', ')})` : ''}`}</title>
              {d.ok > 0 && <rect x={x} y={okTop} width={barW} height={PAD.top + plotH - okTop} className="bar-ok" rx="1.5" />}
              {d.failed > 0 && <rect x={x} y={failTop} width={barW} height={okTop - failTop} className="bar-failed" rx="1.5" />}
            </g>
          );
        })}
        <text x={PAD.left} y={H - 6} className="axis">
          {formatDate(first)}
        </text>
        <text x={W - PAD.right} y={H - 6} className="axis" textAnchor="end">
          {formatDate(last)}
        </text>
      </svg>
      <div className="legend" aria-hidden="true">
        <span>
          <i className="swatch swatch-ok" /> Successful
        </span>
        <span>
          <i className="swatch swatch-failed" /> Failed
        </span>
      </div>
      <h3 className="subheading">Failures by code</h3>
      {codes.length === 0 ? (
        <p className="muted">No failed requests in this period.</p>
      ) : (
        <table className="table table-compact">
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col" className="num">
                Requests
              </th>
            </tr>
          </thead>
          <tbody>
            {codes.map(([code, n]) => (
              <tr key={code}>
                <td>
                  <code>{code}</code>
                </td>
                <td className="num">{n.toLocaleString('en-GB')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function niceCeil(v: number): number {
  if (v <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
