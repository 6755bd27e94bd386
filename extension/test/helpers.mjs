// Fakes shared by the tests (not a test file itself: no .test. in the name).

/** A fetch stand-in: records calls, answers with `status` and `body` (object -> JSON) or throws `error`. */
export function fakeFetch({ status = 201, body = {}, error = null, raw = null } = {}) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, init });
    if (error) throw error;
    const text = raw !== null ? raw : typeof body === "string" ? body : JSON.stringify(body);
    return {
      status,
      ok: status >= 200 && status < 300,
      text: async () => text,
    };
  };
  impl.calls = calls;
  return impl;
}

/** An in-memory chrome.storage area with the promise API. */
export function fakeStorage(initial = {}) {
  const data = { ...initial };
  return {
    data,
    async get(keys) {
      const list = keys === null || keys === undefined ? Object.keys(data) : Array.isArray(keys) ? keys : [keys];
      return Object.fromEntries(list.filter((k) => k in data).map((k) => [k, data[k]]));
    },
    async set(items) {
      Object.assign(data, structuredClone(items));
    },
  };
}
