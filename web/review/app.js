// The reviewer page: sign in with a key, work the queue, decide with a reason, follow an approval
// into its block. State lives here; render.js builds the DOM, api.js talks to the gateway.

import { ApiError, createApi } from './api.js';
import { auditRow, checksTable, h, historyBlock, itemAudit, otherSourcesTable, queueRow } from './render.js';

const KEY_STORAGE = 'reviewer-key';
/** How long the page follows an approval to its block before it says it is still on its way. */
const COMMIT_WAIT_MS = 60_000;
const COMMIT_POLL_MS = 1_000;

const $ = (id) => document.getElementById(id);
const state = { api: null, items: [], selectedId: null, filter: { status: 'pending', category: '', feedId: '', sort: 'age' } };

function say(text) {
  $('status').textContent = text;
}

function describe(error) {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  return String(error && error.message ? error.message : error);
}

async function signIn(key) {
  const api = createApi(key);
  // One cheap read proves the key is a reviewer's (401: unknown key, 403: another role).
  await api.reviews({ status: 'pending' });
  state.api = api;
  sessionStorage.setItem(KEY_STORAGE, key);
  $('sign-in').hidden = true;
  $('workspace').hidden = false;
  $('filters').hidden = false;
  $('sign-out').hidden = false;
  $('audit-section').hidden = false;
  await Promise.all([loadQueue(), loadAudit()]);
  $('queue').focus();
}

function signOut() {
  sessionStorage.removeItem(KEY_STORAGE);
  location.reload();
}

function sorted(items) {
  const byAge = (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt);
  if (state.filter.sort === 'score') return items.slice().sort((a, b) => a.score - b.score || byAge(a, b));
  return items.slice().sort(byAge);
}

async function loadQueue() {
  const { status, category, feedId } = state.filter;
  try {
    state.items = sorted(await state.api.reviews({ status, category, feedId }));
  } catch (error) {
    say(`Could not load the queue: ${describe(error)}`);
    return;
  }
  $('queue-count').textContent = `(${state.items.length})`;
  renderQueue();
  // An item just decided stays in view (with its way to the block) though it left the pending queue.
  if (state.selectedId !== null) return;
  if (state.items.length > 0) await select(state.items[0].id);
  else $('detail').replaceChildren(h('p', { class: 'muted', text: 'Nothing in the queue for these filters.' }));
}

async function loadAudit() {
  try {
    const audit = await state.api.audit();
    $('audit').replaceChildren(...audit.map(auditRow));
  } catch (error) {
    say(`Could not load the audit trail: ${describe(error)}`);
  }
}

function renderQueue() {
  const list = $('queue');
  list.replaceChildren(...state.items.map((item) => queueRow(item, item.id === state.selectedId)));
}

async function select(id) {
  state.selectedId = id;
  renderQueue();
  const row = document.querySelector(`[data-review-id="${CSS.escape(id)}"]`);
  row?.scrollIntoView({ block: 'nearest' });
  const detail = $('detail');
  detail.replaceChildren(h('p', { class: 'muted', text: 'Loading…' }));
  try {
    const [item, context] = await Promise.all([state.api.review(id), state.api.context(id)]);
    if (state.selectedId !== id) return; // another item was chosen meanwhile
    renderDetail(item, context);
  } catch (error) {
    detail.replaceChildren(h('p', { class: 'error', text: `Could not load ${id}: ${describe(error)}` }));
  }
}

function renderDetail(item, context) {
  const o = item.observation;
  const pending = item.status === 'pending';
  const form = pending ? decisionForm(item) : h('p', { class: 'muted', text: `Decided: ${item.status}${item.decidedAt ? ` at ${item.decidedAt}` : ''}.` });
  $('detail').replaceChildren(
    h('h2', {}, h('span', { text: `${o.assetId} ` }), h('span', { class: `badge ${item.status}`, text: item.status })),
    h('p', { class: 'muted', text: `${item.id} · feed ${item.feedId} · ${item.category} · ${o.source.adapter} · observed ${o.observedAt} · score ${item.score.toFixed(2)} (${item.qualityDecision})` }),
    h('h3', { text: 'Quality checks' }),
    checksTable(item),
    h('div', { class: 'columns' }, h('div', {}, h('h3', { text: 'Value and recent history' }), historyBlock(item, context)), h('div', {}, h('h3', { text: 'Other sources of this asset' }), otherSourcesTable(item, context))),
    h('h3', { text: 'Decision' }),
    form,
    h('p', { id: 'commit-status', class: 'commit', role: 'status' }),
    h('h3', { text: 'This item’s audit trail' }),
    itemAudit(item),
  );
}

function decisionForm(item) {
  const reason = h('textarea', { id: 'reason', name: 'reason', rows: '2', required: true, minlength: '3', maxlength: '2000', placeholder: 'Why (required): what you checked, who confirmed it' });
  const form = h(
    'form',
    { id: 'decision', class: 'decision', novalidate: true },
    h('label', { for: 'reason', text: 'Reason' }),
    reason,
    h('div', { class: 'actions' }, h('button', { type: 'submit', name: 'decision', value: 'approve', class: 'approve', text: 'Approve (a)' }), h('button', { type: 'submit', name: 'decision', value: 'reject', class: 'reject', text: 'Reject (x)' })),
    h('p', { id: 'decision-error', class: 'error', role: 'alert' }),
  );
  // Ctrl+Enter in the reason sends the decision chosen with a or x (approve when none was).
  reason.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    form.requestSubmit(form.querySelector(`button[value="${form.dataset.decision ?? 'approve'}"]`));
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const decision = event.submitter?.value ?? form.dataset.decision ?? 'approve';
    void decide(item, decision, reason.value.trim());
  });
  return form;
}

async function decide(item, decision, reason) {
  const error = $('decision-error');
  if (reason.length < 3) {
    error.textContent = 'Give a reason of at least 3 characters.';
    $('reason').focus();
    return;
  }
  error.textContent = '';
  let decided;
  try {
    decided = await state.api.decide(item.id, decision, reason);
  } catch (e) {
    error.textContent = describe(e);
    return;
  }
  say(`${decided.id} ${decided.status}.`);
  const context = await state.api.context(item.id).catch(() => ({ history: [], otherSources: [], observationId: '' }));
  renderDetail(decided, context);
  await Promise.all([loadQueue(), loadAudit()]);
  if (decided.status === 'approved') await followToBlock(decided);
}

/** Polls the feed's latest attestation until it carries this approval: the value is in a signed block. */
async function followToBlock(item) {
  const line = () => $('commit-status');
  const show = (text, cls) => {
    const el = line();
    if (el === null) return;
    el.textContent = text;
    el.className = `commit ${cls}`;
  };
  show('Approved: waiting for the value to be attested in a block…', 'waiting');
  const deadline = Date.now() + COMMIT_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      const a = await state.api.latestAttestation(item.feedId);
      if (a.event && a.event.approval && a.event.approval.reviewId === item.id) {
        show(`Committed in block #${a.height} (tx ${a.txHash.slice(0, 16)}…), signed by ${a.block.signatures.length} validator(s).`, 'committed');
        return;
      }
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) {
        show(`Could not read the attestation: ${describe(error)}`, 'error');
        return;
      }
    }
    await new Promise((r) => setTimeout(r, COMMIT_POLL_MS));
  }
  show('Approved; not yet seen in a block. It is delivered at least once: check again later.', 'waiting');
}

function move(by) {
  if (state.items.length === 0) return;
  const at = state.items.findIndex((i) => i.id === state.selectedId);
  const next = Math.min(state.items.length - 1, Math.max(0, at + by));
  void select(state.items[next].id);
}

function startDecision(decision) {
  const form = $('decision');
  if (form === null) return;
  form.dataset.decision = decision;
  form.querySelectorAll('button').forEach((b) => b.classList.toggle('chosen', b.value === decision));
  $('reason').focus();
}

function onKey(event) {
  if (state.api === null || event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = event.target instanceof HTMLElement && ['INPUT', 'TEXTAREA', 'SELECT'].includes(event.target.tagName);
  if (typing) {
    if (event.key === 'Escape') event.target.blur();
    return;
  }
  const actions = {
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    a: () => startDecision('approve'),
    x: () => startDecision('reject'),
    '/': () => document.querySelector('#filters [name=feedId]').focus(),
    g: () => void Promise.all([loadQueue(), loadAudit()]),
  };
  const action = actions[event.key];
  if (action === undefined) return;
  event.preventDefault();
  action();
}

function init() {
  $('sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('key').value.trim();
    $('sign-in-error').textContent = '';
    signIn(key).catch((error) => {
      $('sign-in-error').textContent =
        error instanceof ApiError && (error.status === 401 || error.status === 403) ? `This key cannot review (${error.code}).` : `Sign-in failed: ${describe(error)}`;
    });
  });
  $('sign-out').addEventListener('click', signOut);
  const filters = $('filters');
  filters.addEventListener('submit', (event) => event.preventDefault());
  filters.addEventListener('change', () => {
    const data = new FormData(filters);
    state.filter = { status: data.get('status'), category: data.get('category'), feedId: String(data.get('feedId')).trim(), sort: data.get('sort') };
    state.selectedId = null;
    void loadQueue();
  });
  $('queue').addEventListener('click', (event) => {
    const row = event.target instanceof Element ? event.target.closest('[data-review-id]') : null;
    if (row !== null) void select(row.getAttribute('data-review-id'));
  });
  document.addEventListener('keydown', onKey);
  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved !== null) signIn(saved).catch(() => sessionStorage.removeItem(KEY_STORAGE));
  else $('key').focus();
}

init();
