/** Why a template is not evaluated: its line and what we do not read there (or what Helm would fail on). */
export class TemplateRefusal extends Error {
  override name = 'TemplateRefusal';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}
