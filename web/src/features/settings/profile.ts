import type { Schemas } from "../../api/client";

export interface PasswordValues {
  current: string;
  next: string;
  confirm: string;
}

/** Passwords are sent exactly as typed: a space may well be part of one. */
export function passwordBody(values: PasswordValues): Schemas["PasswordChangeIn"] {
  return { current_password: values.current, new_password: values.next };
}
