/** Stable codes for configuration failures. */
export type ConfErrorCode =
  /** the file cannot be read */
  | 'conf_unreadable'
  /** the file is not valid YAML, or its top level is not a mapping */
  | 'conf_parse'
  /** `${{VAR}}` names an unset variable and has no default */
  | 'conf_env'
  /** a value has the wrong type or is out of range */
  | 'conf_invalid'
  /** the generated admin key could not be written back */
  | 'conf_write';

/** A configuration error; `message` names the file and the offending key. */
export class ConfError extends Error {
  override readonly name = 'ConfError';
  constructor(
    readonly code: ConfErrorCode,
    message: string,
  ) {
    super(message);
  }
}
