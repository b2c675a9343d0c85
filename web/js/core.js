// Shared by every page: building DOM nodes, calling the JSON endpoints, formatting, links.
'use strict';

const kiln = { pages: {} };

// el('a', {href: '/x', class: 'c'}, 'text', childNode, ...): an element. Text is always set
// as text, never parsed as HTML, so names and output from the server cannot inject markup.
kiln.el = function (tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  kiln.append(node, children);
  return node;
};

kiln.append = function (node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
};

// Replaces what `node` shows.
kiln.show = function (node, ...children) {
  node.replaceChildren();
  return kiln.append(node, children);
};

// GET (or POST) a JSON endpoint; throws an Error with the server's message on failure.
kiln.api = async function (path, options) {
  const response = await fetch(path, Object.assign({ credentials: 'same-origin' }, options || {}));
  const text = await response.text();
  let body = null;
  try { body = JSON.parse(text); } catch (e) { body = null; }
  if (!response.ok) {
    const message = body && body.error ? body.error : text.trim() || response.statusText;
    throw new Error(response.status + ': ' + message);
  }
  return body;
};

kiln.post = function (path) {
  return kiln.api(path, { method: 'POST', headers: { 'X-Kiln-UI': '1' } });
};

kiln.errorBox = function (error) {
  return kiln.el('div', { class: 'error' }, String(error.message || error));
};

// Calls `fn` now and then every `ms` milliseconds, one call at a time; `fn` returning
// false stops it.
kiln.poll = function (fn, ms) {
  const tick = async () => {
    let again = true;
    try { again = (await fn()) !== false; } catch (e) { console.error(e); }
    if (again) setTimeout(tick, ms);
  };
  tick();
};

kiln.query = new URLSearchParams(location.search);

// --- Formatting ---

kiln.fmtNumber = function (value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return Number(value).toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 1 : digits });
};

kiln.fmtBytes = function (bytes) {
  if (bytes === null || bytes === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return (unit === 0 ? value : value.toFixed(1)) + ' ' + units[unit];
};

kiln.fmtDuration = function (ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
  const minutes = Math.floor(ms / 60000);
  return minutes + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
};

kiln.fmtTime = function (unixMs) {
  if (!unixMs) return '—';
  return new Date(unixMs).toLocaleString('en-GB', { hour12: false });
};

// --- Links ---

// A digest as the endpoints give it ({function, hash, size}), or a REAPI Digest from a
// decoded message ({hash, size_bytes}) with the function it was found under.
kiln.digest = function (digest, fn) {
  if (!digest) return null;
  return { function: digest.function || fn, hash: digest.hash, size: Number(digest.size !== undefined ? digest.size : digest.size_bytes || 0) };
};

kiln.blobPath = function (d) { return d.function + '/' + d.hash + '/' + d.size; };

// /blob/FUNCTION/HASH/SIZE?type=KIND[&name=][&instance=]: a page that knows the kind says it.
kiln.blobHref = function (d, kind, extra) {
  const params = new URLSearchParams();
  if (kind) params.set('type', kind);
  for (const [k, v] of Object.entries(extra || {})) if (v) params.set(k, v);
  const instance = kiln.query.get('instance');
  if (instance && !params.has('instance')) params.set('instance', instance);
  const q = params.toString();
  return '/blob/' + kiln.blobPath(d) + (q ? '?' + q : '');
};

kiln.rawHref = function (d, name, instance) {
  const params = new URLSearchParams();
  if (name) params.set('name', name);
  if (instance) params.set('instance', instance);
  const q = params.toString();
  return '/api/raw/' + kiln.blobPath(d) + (q ? '?' + q : '');
};

kiln.digestLink = function (d, kind, extra) {
  if (!d) return '—';
  const short = d.hash.slice(0, 12) + '…/' + d.size;
  return kiln.el('a', { href: kiln.blobHref(d, kind, extra), class: 'mono', title: kiln.blobPath(d) }, short);
};

kiln.operationHref = function (name) { return '/' + name; };

kiln.stageBadge = function (op) {
  const failed = op.failed;
  const label = failed ? (op.exit_code !== null && op.exit_code !== undefined ? 'exit ' + op.exit_code : 'failed') : op.stage;
  return kiln.el('span', { class: 'badge ' + (failed ? 'failed' : op.stage) }, label);
};

// A key/value table; rows whose value is undefined are left out.
kiln.kvTable = function (rows) {
  const table = kiln.el('table', { class: 'kv' });
  for (const [key, value] of rows) {
    if (value === undefined) continue;
    table.append(kiln.el('tr', {}, kiln.el('th', {}, key), kiln.el('td', {}, value)));
  }
  return table;
};

// A table with a header row; `rows` are arrays of cells.
kiln.table = function (headers, rows, empty) {
  const table = kiln.el('table', {}, kiln.el('tr', {}, headers.map((h) => kiln.el('th', {}, h))));
  for (const row of rows) table.append(kiln.el('tr', {}, row.map((cell) => kiln.el('td', {}, cell))));
  if (rows.length === 0 && empty) table.append(kiln.el('tr', {}, kiln.el('td', { colspan: headers.length, class: 'muted' }, empty)));
  return table;
};
