/** Why an edit was not made. The file is never written in any of these cases. */
export type EditRefusal =
  | 'unparsable'
  | 'template'
  | 'generated'
  | 'alias'
  | 'shared-anchor'
  | 'merge-key'
  | 'block-scalar'
  | 'not-a-mapping'
  | 'list-item-missing'
  | 'unconfirmed'
  | 'handover'
  | 'exists'
  | 'shared';

export class YamlEditError extends Error {
  constructor(
    readonly reason: EditRefusal,
    message: string,
    /** For list-item-missing: the name looked for (e.g. a container only live has). */
    readonly missing?: string,
  ) {
    super(message);
  }
}
