/** Options of the strike-ladder panel (the panel editor's fields). */
export interface StrikeLadderOptions {
  /** A strike is highlighted when its latest interval exceeds this many times its mean interval. */
  hotFactor: number;
  showSpot: boolean;
  /** At most this many strikes, nearest the spot first. */
  maxStrikes: number;
  callColor: string;
  putColor: string;
}

export const DEFAULT_OPTIONS: StrikeLadderOptions = {
  hotFactor: 3,
  showSpot: true,
  maxStrikes: 40,
  callColor: 'green',
  putColor: 'red',
};
