// A small inline SVG chart: a feed's recent values as a line, accepted ones as dots, and the item
// under review as a ring, so a reviewer sees at a glance whether its value is out of line.

const NS = 'http://www.w3.org/2000/svg';
const WIDTH = 360;
const HEIGHT = 90;
const PAD = 8;

function el(name, attrs) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** `history`: [{observationId, observedAt, value, decision}] oldest first; `current`: the item's observation id. */
export function historyChart(history, currentId, unit) {
  const svg = el('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img' });
  const values = history.map((h) => h.value).filter((v) => Number.isFinite(v));
  const title = el('title', {});
  title.textContent = values.length === 0 ? 'no history' : `last ${history.length} values, ${fmt(Math.min(...values))} to ${fmt(Math.max(...values))} ${unit}`;
  svg.append(title);
  if (values.length === 0) return svg;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || Math.abs(hi) || 1;
  const x = (i) => PAD + (history.length === 1 ? (WIDTH - 2 * PAD) / 2 : (i * (WIDTH - 2 * PAD)) / (history.length - 1));
  const y = (v) => HEIGHT - PAD - ((v - lo) / span) * (HEIGHT - 2 * PAD);
  const points = history.map((h, i) => `${x(i).toFixed(1)},${y(h.value).toFixed(1)}`).join(' ');
  svg.append(el('polyline', { points, class: 'chart-line' }));
  history.forEach((h, i) => {
    const isCurrent = h.observationId === currentId;
    const dot = el('circle', { cx: x(i).toFixed(1), cy: y(h.value).toFixed(1), r: isCurrent ? 5 : 2.5, class: isCurrent ? 'chart-current' : `chart-dot chart-${h.decision}` });
    const tip = el('title', {});
    tip.textContent = `${fmt(h.value)} ${unit} at ${h.observedAt} (${h.decision})${isCurrent ? ' — this item' : ''}`;
    dot.append(tip);
    svg.append(dot);
  });
  return svg;
}

export function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(Math.round(v * 10000) / 10000);
}
