// Progressive enhancement of the import progress page: asks for the progress every second and
// moves the bar, then reloads the page when the work is done. Without this file the page
// refreshes itself (a meta refresh inside <noscript>).
const container = document.querySelector('[data-import-progress]');

if (container) {
  const bar = container.querySelector('progress');
  const message = container.querySelector('[data-progress-message]');
  const startedAs = container.dataset.status;
  const poll = async () => {
    try {
      const response = await fetch(container.dataset.statusUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (!response.ok) throw new Error(String(response.status));
      const status = await response.json();
      bar.value = status.percent;
      bar.textContent = `${status.percent}%`;
      if (message.textContent !== status.message) message.textContent = status.message;
      if (status.status !== startedAs) {
        window.location.reload();
        return;
      }
    } catch {
      // A missed answer is not a failure: the next poll tries again.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 500);
}
