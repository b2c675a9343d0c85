// Picks the page from the address: every page is this one HTML shell.
'use strict';

(function () {
  const main = document.getElementById('main');
  const path = location.pathname;
  let page = null;
  if (path === '/') {
    page = 'overview';
    kiln.pages.overview(main);
  } else if (path === '/operations') {
    page = 'operations';
    kiln.pages.operations(main);
  } else if (path.startsWith('/operations/')) {
    page = 'operations';
    kiln.pages.operation(main, decodeURIComponent(path.slice(1)));
  } else if (path === '/workers') {
    page = 'workers';
    kiln.pages.workers(main);
  } else if (path.startsWith('/blob/')) {
    kiln.pages.blob(main, path.slice('/blob/'.length));
  } else {
    kiln.show(main, kiln.errorBox('No such page: ' + path));
  }
  for (const link of document.querySelectorAll('header nav a')) {
    if (link.dataset.page === page) link.classList.add('active');
  }
  // "sha256/HASH/SIZE" (or a pasted /blob/... address) opens the blob browser.
  document.getElementById('digest-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = document.getElementById('digest-input').value.trim().replace(/^.*\/blob\//, '');
    if (text) location.href = '/blob/' + text;
  });
})();
