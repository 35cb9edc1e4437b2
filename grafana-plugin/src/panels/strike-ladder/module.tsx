import { PanelPlugin } from '@grafana/data';
import { StrikeLadderPanel } from './StrikeLadderPanel';
import { DEFAULT_OPTIONS, type StrikeLadderOptions } from './types';

export const plugin = new PanelPlugin<StrikeLadderOptions>(StrikeLadderPanel).setPanelOptions((builder) =>
  builder
    .addNumberInput({
      path: 'hotFactor',
      name: 'Hot strike factor',
      description:
        'Highlight a strike when its latest interval exceeds this many times its mean interval over the window',
      defaultValue: DEFAULT_OPTIONS.hotFactor,
      settings: { min: 1, step: 0.5 },
    })
    .addNumberInput({
      path: 'maxStrikes',
      name: 'Strikes',
      description: 'At most this many strikes, nearest the spot',
      defaultValue: DEFAULT_OPTIONS.maxStrikes,
      settings: { min: 1, integer: true },
    })
    .addBooleanSwitch({ path: 'showSpot', name: 'Spot price line', defaultValue: DEFAULT_OPTIONS.showSpot })
    .addColorPicker({ path: 'callColor', name: 'Call colour', defaultValue: DEFAULT_OPTIONS.callColor })
    .addColorPicker({ path: 'putColor', name: 'Put colour', defaultValue: DEFAULT_OPTIONS.putColor })
);
