// The blob browser (/blob/FUNCTION/HASH/SIZE?type=KIND): a blob decoded by the server as the
// REAPI message its link said (or that the server recognized), linked onwards; anything
// else is a file to view (when it is text) or download.
'use strict';

kiln.pages.blob = function (main, path) {
  const [fn] = path.split('/');
  const q = kiln.query;
  const instance = q.get('instance') || '';
  const apiQuery = new URLSearchParams();
  if (q.get('type')) apiQuery.set('type', q.get('type'));
  if (instance) apiQuery.set('instance', instance);
  kiln.show(main, kiln.el('h1', {}, 'Blob ' + path), kiln.el('p', { class: 'muted' }, 'Loading…'));
  kiln.api('/api/blob/' + path + '?' + apiQuery.toString()).then((blob) => {
    const d = blob.digest;
    const name = q.get('name') || '';
    const title = (name ? name + ' — ' : '') + blob.kind;
    const parts = [kiln.el('h1', {}, title), kiln.el('p', { class: 'mono muted' }, kiln.blobPath(d) + ' · ' + kiln.fmtBytes(d.size) + ' · ',
      kiln.el('a', { href: kiln.rawHref(d, name || d.hash, instance) }, 'download'))];
    if (blob.note) parts.push(kiln.el('p', { class: 'error' }, blob.note));
    parts.push(render(blob, fn, instance));
    if (blob.message) parts.push(kiln.el('details', {}, kiln.el('summary', {}, 'As JSON'), kiln.el('pre', {}, JSON.stringify(blob.message, null, 2))));
    kiln.show(main, parts);
  }).catch((e) => kiln.show(main, kiln.el('h1', {}, 'Blob ' + path), kiln.errorBox(e)));
};

function render(blob, fn, instance) {
  const m = blob.message;
  switch (blob.kind) {
    case 'Action': return kiln.reapi.action(m, fn, instance);
    case 'Command': return kiln.reapi.command(m);
    case 'Directory': return kiln.reapi.directory(m, fn, instance);
    case 'Tree': return kiln.reapi.tree(m, fn, instance);
    case 'ActionResult': {
      const meta = m.execution_metadata;
      const chart = meta ? [kiln.el('h2', {}, 'Time per phase'), kiln.phaseBar(kiln.reapi.phases(kiln.reapi.metadataTimestamps(meta), 0))] : [];
      return kiln.el('div', {}, kiln.reapi.actionResult(m, fn, instance), chart);
    }
    default:
      if (!blob.text) return kiln.el('p', { class: 'muted' }, 'Binary content: download it to look inside.');
      return kiln.el('div', {}, kiln.el('pre', { id: 'preview' }, blob.preview),
        blob.preview_complete ? null : kiln.el('p', { class: 'muted' }, 'The first 64 KiB; download for the rest.'));
  }
}
