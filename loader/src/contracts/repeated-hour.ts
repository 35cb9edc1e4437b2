/**
 * Naive times in a fall-back's repeated hour (01:00–01:59 on the first Sunday of November in New
 * York) name two instants. A collector writes snapshots in time order, so within one file the
 * first pass through the hour is daylight time (EDT) and, once the wall clock goes back, the
 * second is standard time (EST). One tracker follows one file in file order, across its row groups.
 */
export class RepeatedHourTracker {
  /** Per repeated hour (keyed by its day): the latest wall time seen there, and whether the clock went back. */
  private readonly hours = new Map<number, { latest: number; secondPass: boolean }>();

  /**
   * Whether `wallMs`, a repeated wall time met in file order, belongs to the second pass. A wall
   * time earlier than one already seen in the same hour starts the second pass; equal ones (the
   * rows of one snapshot) stay in the pass they are in.
   */
  secondPass(wallMs: number): boolean {
    const day = Math.floor(wallMs / 86_400_000);
    const hour = this.hours.get(day);
    if (!hour) {
      this.hours.set(day, { latest: wallMs, secondPass: false });
      return false;
    }
    if (!hour.secondPass && wallMs < hour.latest) hour.secondPass = true;
    hour.latest = Math.max(hour.latest, wallMs);
    return hour.secondPass;
  }
}
