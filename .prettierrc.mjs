// One formatter for the whole repository: the Grafana plugin's scaffolded Prettier settings.
import plugin from './grafana-plugin/.config/.prettierrc.js';

export default plugin;
