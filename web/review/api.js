// Calls to the gateway's public API with the reviewer's key. Every answer that is not 2xx becomes an
// ApiError carrying the API's error code, so the page reacts to codes, never to message text.

const PREFIX = '/api/v11';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function createApi(key) {
  async function call(method, path, body) {
    const headers = { authorization: `Bearer ${key}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${PREFIX}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed = null;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      const error = parsed && parsed.error ? parsed.error : { code: 'HTTP_' + res.status, message: text || res.statusText };
      throw new ApiError(res.status, error.code, error.message);
    }
    return parsed;
  }

  const query = (params) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
    const s = q.toString();
    return s.length > 0 ? `?${s}` : '';
  };

  return {
    reviews: (filter) => call('GET', `/reviews${query({ ...filter, limit: 200 })}`).then((r) => r.reviews),
    review: (id) => call('GET', `/reviews/${encodeURIComponent(id)}`),
    context: (id) => call('GET', `/reviews/${encodeURIComponent(id)}/context`),
    audit: () => call('GET', '/reviews/audit?limit=50').then((r) => r.audit),
    decide: (id, decision, reason) => call('POST', `/reviews/${encodeURIComponent(id)}/decision`, { decision, reason }),
    latestAttestation: (feedId) => call('GET', `/query/attestations/${encodeURIComponent(feedId)}/latest`),
  };
}
