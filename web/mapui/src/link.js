// The page's address says what is shown — #unit=<grid code>&select=<global id> — so that
// an operator can bookmark a street or send a colleague the incident on screen.

export function readLink() {
  const p = new URLSearchParams(window.location.hash.slice(1));
  return { unit: p.get('unit'), select: p.get('select') };
}

export function writeLink(state) {
  const p = new URLSearchParams();
  if (state.unit) p.set('unit', state.unit);
  if (state.select) p.set('select', state.select);
  const hash = p.toString();
  // replaceState: moving about the map should not fill the back button's history.
  window.history.replaceState(null, '', hash ? '#' + hash : window.location.pathname + window.location.search);
}
