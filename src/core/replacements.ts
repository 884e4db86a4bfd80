/**
 * A workload whose burst tasks keep dying is crash-looping (a bad image, a missing secret):
 * replacing them again only burns money. After this many replacements within the window,
 * Spillway stops replacing and says so in the decision log until the window has passed.
 */
export const MAX_REPLACEMENTS = 3;
export const REPLACEMENT_WINDOW_SECONDS = 600;
