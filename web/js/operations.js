// The operations list (/operations): queued, running and finished operations, newest first,
// filtered by instance, stage, exit code or failure (the filters live in the address, so a
// filtered list can be bookmarked), refreshed every 2 s.
'use strict';

kiln.pages.operationsTable = function (operations, empty) {
  return kiln.table(['Operation', 'State', 'Instance', 'Action', 'Worker', 'Created'],
    operations.map((op) => [
      kiln.el('a', { href: kiln.operationHref(op.name), class: 'mono op-link' }, op.name.replace(/^operations\//, '').slice(0, 16)),
      [kiln.stageBadge(op), op.cached ? ' cached' : ''],
      op.instance || kiln.el('span', { class: 'muted' }, '(default)'),
      kiln.digestLink(op.action_digest, 'Action', { instance: op.instance }),
      op.worker || '',
      kiln.fmtTime(op.created_unix_ms),
    ]), empty);
};

kiln.pages.operations = function (main) {
  const q = kiln.query;
  const limit = 50;
  const offset = Number(q.get('offset') || 0);
  const field = (label, input) => kiln.el('label', {}, label, input);
  const stage = kiln.el('select', { name: 'stage' },
    ['', 'queued', 'executing', 'completed'].map((s) => kiln.el('option', { value: s, selected: q.get('stage') === s }, s || 'any')));
  const form = kiln.el('form', { class: 'filters', method: 'get', action: '/operations' },
    field('Instance', kiln.el('input', { name: 'instance', value: q.get('instance') || '', placeholder: 'any' })),
    field('State', stage),
    field('Exit code', kiln.el('input', { name: 'exit_code', value: q.get('exit_code') || '', size: 6 })),
    kiln.el('label', {}, 'Failed only', kiln.el('input', { type: 'checkbox', name: 'failed', value: '1', checked: q.get('failed') === '1' })),
    kiln.el('button', { type: 'submit' }, 'Filter'));
  const list = kiln.el('div', { id: 'operations' }, kiln.el('p', { class: 'muted' }, 'Loading…'));
  const pager = kiln.el('div', { class: 'pager' });
  kiln.show(main, kiln.el('h1', {}, 'Operations'), form, list, pager);

  const params = new URLSearchParams();
  for (const key of ['instance', 'stage', 'exit_code', 'failed']) if (q.get(key)) params.set(key, q.get(key));
  params.set('offset', offset);
  params.set('limit', limit);
  kiln.poll(async () => {
    try {
      const page = await kiln.api('/api/operations?' + params.toString());
      kiln.show(list, kiln.pages.operationsTable(page.operations, 'No operations match.'));
      kiln.show(pager, pagerLinks(page.total, offset, limit),
        page.all_visible ? '' : kiln.el('span', { class: 'muted' }, 'Only your own operations are shown.'));
    } catch (e) { kiln.show(list, kiln.errorBox(e)); }
  }, 2000);
};

function pagerLinks(total, offset, limit) {
  const at = (o) => { const p = new URLSearchParams(location.search); p.set('offset', o); return '/operations?' + p.toString(); };
  return [
    offset > 0 ? kiln.el('a', { href: at(Math.max(0, offset - limit)) }, '← newer') : null,
    kiln.el('span', { class: 'muted' }, total ? `${offset + 1}–${Math.min(total, offset + limit)} of ${total}` : ''),
    offset + limit < total ? kiln.el('a', { href: at(offset + limit) }, 'older →') : null,
  ];
}
