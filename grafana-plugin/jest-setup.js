// Jest setup provided by Grafana scaffolding, for the DOM tests. Tests that talk to the real API run
// in the node environment (real fetch, no DOM) and need none of it.
if (typeof window !== 'undefined') {
  require('./.config/jest-setup');
  // @grafana/ui measures option labels on a canvas (Combobox widths); jsdom has no canvas.
  HTMLCanvasElement.prototype.getContext = () => ({
    font: '',
    measureText: (text) => ({ width: String(text).length * 7 }),
  });
  // Nor layout: Combobox menus are virtualized and render only the options that fit their measured size.
  // (As Grafana's own comboboxTestSetup does; the virtualizer reads client sizes.)
  Object.defineProperties(Element.prototype, {
    clientHeight: { configurable: true, get: () => 120 },
    clientWidth: { configurable: true, get: () => 120 },
  });
  Object.defineProperty(Element.prototype, 'getBoundingClientRect', {
    value: () => ({ x: 0, y: 0, top: 0, left: 0, bottom: 0, right: 0, width: 120, height: 120, toJSON: () => ({}) }),
  });
  // Nor IntersectionObserver (Combobox menus watch their options with one).
  window.IntersectionObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  };
}
