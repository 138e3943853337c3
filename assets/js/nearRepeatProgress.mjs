// Polls a running near-repeat analysis and reloads when it has finished. Without JavaScript the
// page's meta refresh does the same, less promptly.
const progress = document.getElementById('near-repeat-progress');

async function poll() {
  const response = await fetch(progress.dataset.statusUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (response.ok && (await response.json()).status !== 'running') {
    window.location.reload();
    return;
  }
  setTimeout(poll, 1000);
}

if (progress) {
  // The meta refresh is not needed while the script is watching.
  document.querySelector('meta[http-equiv="refresh"]')?.remove();
  setTimeout(poll, 1000);
}
