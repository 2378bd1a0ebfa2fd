// DOM builders for the page's parts. Text always goes in as textContent: nothing a feed or a
// reviewer wrote is ever parsed as HTML.

import { fmt, historyChart } from './chart.js';

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function age(iso, nowMs = Date.now()) {
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

const scoreClass = (score) => (score >= 0.8 ? 'good' : score >= 0.6 ? 'fair' : 'poor');

export function queueRow(item, selected) {
  return h(
    'li',
    { role: 'option', 'aria-selected': selected ? 'true' : 'false', 'data-review-id': item.id, class: selected ? 'row selected' : 'row', tabindex: '-1' },
    h('span', { class: `score ${scoreClass(item.score)}`, text: item.score.toFixed(2) }),
    h('span', { class: 'row-main' }, h('strong', { text: item.observation.assetId }), h('span', { class: 'muted', text: ` ${item.category} · ${item.feedId}` })),
    h('span', { class: 'row-side' }, h('span', { class: `badge ${item.status}`, text: item.status }), h('span', { class: 'muted', text: age(item.createdAt) })),
  );
}

export function checksTable(item) {
  const rows = item.quality.checks.map((c) =>
    h(
      'tr',
      { class: c.check === 'quality_score' ? 'total' : '' },
      h('th', { scope: 'row', text: c.check.replaceAll('_', ' ') }),
      h('td', { class: 'num' }, h('span', { class: `score ${scoreClass(c.score)}`, text: c.score.toFixed(2) })),
      h('td', {}, h('meter', { min: '0', max: '1', low: '0.6', high: '0.8', optimum: '1', value: String(c.score) })),
      h('td', { text: c.reason }),
    ),
  );
  return h(
    'table',
    { class: 'checks', 'aria-label': 'quality checks' },
    h('thead', {}, h('tr', {}, h('th', { text: 'Check' }), h('th', { text: 'Score' }), h('th', {}), h('th', { text: 'Reason' }))),
    h('tbody', {}, ...rows),
  );
}

export function historyBlock(item, context) {
  const unit = item.observation.unit;
  const published = context.history.filter((p) => p.decision === 'accepted').map((p) => p.value);
  const median = published.length === 0 ? null : published.slice().sort((a, b) => a - b)[Math.floor(published.length / 2)];
  return h(
    'div',
    { class: 'history' },
    h('p', {}, h('span', { class: 'value', text: `${fmt(item.observation.value)} ${unit}` }), h('span', { class: 'muted', text: median === null ? ' · no accepted history yet' : ` · median of accepted history ${fmt(median)} ${unit}` })),
    historyChart(context.history, context.observationId, unit),
  );
}

export function otherSourcesTable(item, context) {
  if (context.otherSources.length === 0) return h('p', { class: 'muted', text: 'No other source of this asset has published a value in this unit.' });
  const unit = item.observation.unit;
  return h(
    'table',
    { class: 'sources', 'aria-label': 'other sources of the same asset' },
    h('thead', {}, h('tr', {}, h('th', { text: 'Feed' }), h('th', { text: 'Source' }), h('th', { class: 'num', text: 'Value' }), h('th', { class: 'num', text: 'vs this item' }), h('th', { text: 'Observed' }))),
    h(
      'tbody',
      {},
      ...context.otherSources.map((s) => {
        const diff = s.value === 0 ? null : ((item.observation.value - s.value) / Math.abs(s.value)) * 100;
        return h(
          'tr',
          {},
          h('td', { text: s.name }),
          h('td', { text: s.adapter }),
          h('td', { class: 'num', text: `${fmt(s.value)} ${unit}` }),
          h('td', { class: 'num', text: diff === null ? '—' : `${diff > 0 ? '+' : ''}${diff.toFixed(1)}%` }),
          h('td', { text: `${age(s.observedAt)} ago` }),
        );
      }),
    ),
  );
}

export function itemAudit(item) {
  return h(
    'ul',
    { class: 'item-audit' },
    ...item.audit.map((a) => h('li', {}, h('span', { class: `badge ${a.action}`, text: a.action }), h('span', { text: ` ${a.actor}: ${a.reason} ` }), h('time', { class: 'muted', datetime: a.at, text: a.at }))),
  );
}

export function auditRow(a) {
  return h(
    'tr',
    {},
    h('td', {}, h('time', { datetime: a.at, text: a.at.replace('T', ' ').slice(0, 19) })),
    h('td', {}, h('span', { class: `badge ${a.action}`, text: a.action })),
    h('td', { text: a.actor }),
    h('td', { text: a.reviewId }),
    h('td', { text: a.feedId }),
    h('td', { text: a.reason }),
  );
}
