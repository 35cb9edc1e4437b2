// Jest setup provided by Grafana scaffolding, for the DOM tests. Tests that talk to the real API run
// in the node environment (real fetch, no DOM) and need none of it.
if (typeof window !== 'undefined') {
  require('./.config/jest-setup');
}
