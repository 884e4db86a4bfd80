import { type Rejection, reject } from './result';

/**
 * Sizes alone do not bound a delivery: 100,000 one-byte labels fit in 1 MiB and cost far more to
 * process and log than their bytes suggest. Real alerts carry tens of labels (kube-state-metrics
 * joins reach about 60), and a group of 1,000 such alerts stays under the delivery cap.
 */
export const MAX_LABELS_PER_ALERT = 128;
export const MAX_LABELS_PER_DELIVERY = 50_000;

/** Counts labels (or tags, annotations, host groups) per alert and per delivery. */
export class LabelBudget {
  private total = 0;

  /** 422 `too_many_labels` naming the field when one alert or the delivery carries too many. */
  spend(field: string, count: number): Rejection | undefined {
    if (count > MAX_LABELS_PER_ALERT) {
      return reject(
        'too_many_labels',
        `${field}: ${count} entries, at most ${MAX_LABELS_PER_ALERT} per alert`,
        [field],
      );
    }
    this.total += count;
    if (this.total > MAX_LABELS_PER_DELIVERY) {
      return reject(
        'too_many_labels',
        `${field}: more than ${MAX_LABELS_PER_DELIVERY} labels and tags in one delivery`,
        [field],
      );
    }
    return undefined;
  }
}
