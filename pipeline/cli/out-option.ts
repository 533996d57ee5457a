/** The `--out` help every writing command shows: the rule of core/output-dir.ts in one line. */
export const OUT_HELP =
  'output directory: missing, empty, or an earlier output of tidemark, which is replaced as a whole (anything else is refused)';
