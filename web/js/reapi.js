// REAPI messages as the pages show them, decoded by the server (protobuf's JSON, field
// names as in the .proto): every digest becomes a link to the blob browser with the kind
// it is known to be, so an input tree can be walked and its files downloaded.
'use strict';

kiln.reapi = {};

kiln.reapi.platform = function (platform) {
  const props = (platform && platform.properties) || [];
  return props.length ? kiln.table(['Property', 'Value'], props.map((p) => [p.name, p.value]))
    : kiln.el('span', { class: 'muted' }, 'none');
};

kiln.reapi.action = function (action, fn, instance) {
  const extra = { instance };
  return kiln.kvTable([
    ['Command', kiln.digestLink(kiln.digest(action.command_digest, fn), 'Command', extra)],
    ['Input root', kiln.digestLink(kiln.digest(action.input_root_digest, fn), 'Directory', extra)],
    ['Timeout', action.timeout || 'default'],
    ['Do not cache', action.do_not_cache ? 'yes' : 'no'],
    ['Salt', action.salt ? kiln.el('code', {}, action.salt) : undefined],
    ['Platform', action.platform ? kiln.reapi.platform(action.platform) : undefined],
  ]);
};

kiln.reapi.command = function (command) {
  const env = command.environment_variables || [];
  const outputs = command.output_paths || (command.output_files || []).concat(command.output_directories || []);
  return kiln.kvTable([
    ['Arguments', kiln.el('div', { class: 'args' }, (command.arguments || []).map((a) => kiln.el('code', {}, a)))],
    ['Environment', env.length ? kiln.table(['Name', 'Value'], env.map((v) => [kiln.el('code', {}, v.name), kiln.el('code', {}, v.value)]))
      : kiln.el('span', { class: 'muted' }, 'none')],
    ['Platform', kiln.reapi.platform(command.platform)],
    ['Working directory', command.working_directory || undefined],
    ['Outputs', outputs.length ? kiln.el('div', { class: 'args' }, outputs.map((o) => kiln.el('code', {}, o)))
      : kiln.el('span', { class: 'muted' }, 'none')],
  ]);
};

// A Directory's entries, each linked: directories to their own listing, files to their
// contents (and a download).
kiln.reapi.directory = function (dir, fn, instance) {
  const rows = [];
  for (const d of dir.directories || []) {
    const digest = kiln.digest(d.digest, fn);
    rows.push([kiln.el('a', { href: kiln.blobHref(digest, 'Directory', { instance }), class: 'dir-link' }, d.name + '/'),
      'directory', '', '']);
  }
  for (const f of dir.files || []) {
    const digest = kiln.digest(f.digest, fn);
    rows.push([kiln.el('a', { href: kiln.blobHref(digest, 'file', { name: f.name, instance }), class: 'file-link' }, f.name),
      f.is_executable ? 'executable file' : 'file', kiln.fmtBytes(digest.size),
      kiln.el('a', { href: kiln.rawHref(digest, f.name, instance) }, 'download')]);
  }
  for (const s of dir.symlinks || []) rows.push([s.name, 'symlink → ' + s.target, '', '']);
  return kiln.table(['Name', 'Kind', 'Size', ''], rows, 'Empty directory.');
};

kiln.reapi.tree = function (tree, fn, instance) {
  const parts = [kiln.el('h2', {}, 'Root'), kiln.reapi.directory(tree.root || {}, fn, instance)];
  (tree.children || []).forEach((child, i) => parts.push(kiln.el('h2', {}, 'Child directory ' + (i + 1)),
    kiln.reapi.directory(child, fn, instance)));
  return kiln.el('div', {}, parts);
};

// The phases of ExecutedActionMetadata-like timestamps ({queued, worker_start, ...} in ms,
// or protobuf Timestamps as RFC 3339 strings); an open phase ends at `nowMs` (0 for a
// finished operation).
kiln.reapi.phases = function (t, nowMs) {
  const ms = (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : Date.parse(v));
  const span = (from, to) => {
    const a = ms(from), b = ms(to);
    if (a === null) return null;
    return Math.max(0, (b === null ? nowMs : b) - a);
  };
  const queued = { name: 'queued', cls: 's0', ms: span(t.queued, t.worker_start || t.input_fetch_start) };
  if (nowMs && ms(t.worker_start) !== null && ms(t.input_fetch_start) === null) {
    // Running: a worker reports its phases' times with the result; until then, one span.
    return [queued, { name: 'running so far', cls: 's2', ms: span(t.worker_start, null) }];
  }
  return [
    queued,
    { name: 'input staging', cls: 's1', ms: span(t.input_fetch_start, t.input_fetch_completed) },
    { name: 'execution', cls: 's2', ms: span(t.execution_start, t.execution_completed) },
    { name: 'output upload', cls: 's3', ms: span(t.output_upload_start, t.output_upload_completed) },
  ];
};

kiln.reapi.metadataTimestamps = function (m) {
  return {
    queued: m.queued_timestamp, worker_start: m.worker_start_timestamp,
    input_fetch_start: m.input_fetch_start_timestamp, input_fetch_completed: m.input_fetch_completed_timestamp,
    execution_start: m.execution_start_timestamp, execution_completed: m.execution_completed_timestamp,
    output_upload_start: m.output_upload_start_timestamp, output_upload_completed: m.output_upload_completed_timestamp,
  };
};

kiln.reapi.actionResult = function (result, fn, instance) {
  const extra = { instance };
  const files = (result.output_files || []).map((f) => {
    const d = kiln.digest(f.digest, fn);
    return [kiln.el('a', { href: kiln.blobHref(d, 'file', { name: f.path, instance }) }, f.path), kiln.fmtBytes(d.size),
      kiln.el('a', { href: kiln.rawHref(d, f.path, instance) }, 'download')];
  });
  const dirs = (result.output_directories || []).map((o) => [
    kiln.el('a', { href: kiln.blobHref(kiln.digest(o.tree_digest, fn), 'Tree', extra) }, o.path + '/'), 'tree', '']);
  const meta = result.execution_metadata || {};
  return kiln.el('div', {}, kiln.kvTable([
    ['Exit code', String(result.exit_code || 0)],
    ['Worker', meta.worker || undefined],
    ['stdout', result.stdout_digest ? kiln.digestLink(kiln.digest(result.stdout_digest, fn), 'file', extra) : undefined],
    ['stderr', result.stderr_digest ? kiln.digestLink(kiln.digest(result.stderr_digest, fn), 'file', extra) : undefined],
  ]), kiln.el('h2', {}, 'Outputs'), kiln.table(['Path', 'Size', ''], files.concat(dirs), 'No outputs.'));
};
